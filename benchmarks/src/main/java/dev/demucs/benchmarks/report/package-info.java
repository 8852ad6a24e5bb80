/**
 * The one-command performance report ({@code benchmarks/run-report.sh}): measurement programs
 * that each run in their own JVM (so peak RSS is theirs alone) and print {@code key=value}
 * lines the script puts side by side with the PyTorch baseline and the Debian {@code ffmpeg}
 * CLI.
 */
package dev.demucs.benchmarks.report;
