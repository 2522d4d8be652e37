package io.fabric.cli.bench;

import io.fabric.contracts.TaskRequest;
import java.util.List;

/** Something the benchmark sends requests into and watches them come out of: the fabric, or the baseline chain. */
interface Pipeline extends AutoCloseable {
  /** "fabric" or "baseline". */
  String name();

  /** The topics and stages a request passes, for the report. */
  List<String> hops();

  /** Sends without waiting; the ledger learns of the request's end from the output topic. */
  void send(TaskRequest request);

  void flush();

  /** Why the pipeline stopped working on its own, if it did (a stage or the output reader failed). */
  String failure();

  @Override
  void close();
}
