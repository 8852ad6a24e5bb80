/**
 * The {@code demucs-separate} command: {@link dev.demucs.cli.DemucsCli} runs the deployment
 * template's separation job ({@link dev.demucs.job.SeparationJob}) from the command line, with
 * the subcommands {@code serve} (the HTTP job service) and {@code models} (model management).
 * Exit codes are in {@link dev.demucs.cli.ExitCodes}.
 */
package dev.demucs.cli;
