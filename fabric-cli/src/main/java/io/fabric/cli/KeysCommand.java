package io.fabric.cli;

import io.fabric.policy.approvals.ApproverKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fabric keys generate}: an Ed25519 key pair for an approver or a submitter. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage approver and submitter keys.", subcommands = KeysCommand.Generate.class)
final class KeysCommand {
  @Command(name = "generate", mixinStandardHelpOptions = true, description = "Write NAME.key (private, mode 600) and NAME.pub into DIR.")
  static final class Generate implements Callable<Integer> {
    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Who who;

    /** An approver signs approvals; a submitter signs requests. Same key format, another registry. */
    static final class Who {
      @Option(names = "--approver", required = true, paramLabel = "NAME", description = "Key pair for an approver (signs approvals).")
      String approver;

      @Option(names = "--submitter", required = true, paramLabel = "NAME",
          description = "Key pair for a submitter: an agent or service that signs its requests (fabric submit --key).")
      String submitter;
    }

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      boolean approver = who.approver != null;
      String name = approver ? who.approver : who.submitter;
      ApproverKeys.KeyFiles files = ApproverKeys.generate(name, out);
      PrintWriter writer = spec.commandLine().getOut();
      writer.println("private key: " + files.privateKeyFile() + "  (keep it secret; it signs " + (approver ? "approvals" : "requests")
          + " as " + name + ")");
      writer.println("public key:  " + files.publicKeyFile());
      writer.println("add to the " + (approver ? "approver registry (--approvers)" : "submitter registry (--submitters)") + ":");
      writer.println("  " + name + ": { public_key_file: " + files.publicKeyFile().getFileName() + ", actions: [\"*\"], tenants: [\"*\"] }");
      return 0;
    }
  }
}
