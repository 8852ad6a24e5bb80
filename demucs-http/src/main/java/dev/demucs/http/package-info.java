/**
 * The REST job service: {@link dev.demucs.http.DemucsServer} runs the template's separation
 * jobs ({@code dev.demucs.job.SeparationJob}) behind the template's HTTP API on port 8185, with
 * a durable FIFO queue (one directory per job under the data directory), uploads, downloads
 * with byte ranges, an SSRF guard on {@code input_url}, a bearer token (generated for remote
 * callers by default), retention, and an OpenAPI document at {@code GET /openapi.json}, on
 * Jetty 12 with bounded threads, timeouts and size limits. The handlers are split by concern:
 * {@code Router} (routing, auth, errors), {@code JobIntake} ({@code POST /job}),
 * {@code JobViews} (status and job views, DELETE), {@code ResultFiles} (downloads) and
 * {@code StaticFiles} (the web page).
 *
 * <pre>
 * POST /job ─▶ job.json (pending) ─▶ queue ─▶ worker: download input ─▶ SeparationJob
 *                                                      └─▶ progress.txt, instrumental.mp3,
 *                                                          segments/, demucs_results/
 * </pre>
 */
package dev.demucs.http;
