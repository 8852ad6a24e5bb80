/**
 * {@code demucs-separate models ...}: list, fetch, verify, inspect, locate and import models
 * (thin commands over {@link dev.demucs.models.ModelResolver}).
 */
package dev.demucs.cli.models;
