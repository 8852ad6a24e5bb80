/**
 * The REST job service: {@link dev.demucs.http.DemucsServer} runs the template's separation
 * jobs ({@code dev.demucs.job.SeparationJob}) behind the template's HTTP API on port 8185, with
 * a durable FIFO queue (one directory per job under the data directory), uploads, downloads
 * with byte ranges, an SSRF guard on {@code input_url}, an optional bearer token, retention,
 * and an OpenAPI document at {@code GET /openapi.json}.
 *
 * <pre>
 * POST /job ─▶ job.json (pending) ─▶ queue ─▶ worker: download input ─▶ SeparationJob
 *                                                      └─▶ progress.txt, instrumental.mp3,
 *                                                          segments/, demucs_results/
 * </pre>
 */
package dev.demucs.http;
