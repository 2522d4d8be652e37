package io.fabric.cli;

import io.fabric.policy.approvals.ApproverKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fabric keys generate}: an Ed25519 key pair for an approver. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage approver keys.", subcommands = KeysCommand.Generate.class)
final class KeysCommand {
  @Command(name = "generate", mixinStandardHelpOptions = true, description = "Write NAME.key (private, mode 600) and NAME.pub into DIR.")
  static final class Generate implements Callable<Integer> {
    @Option(names = "--approver", required = true, paramLabel = "NAME")
    String approver;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      ApproverKeys.KeyFiles files = ApproverKeys.generate(approver, out);
      PrintWriter writer = spec.commandLine().getOut();
      writer.println("private key: " + files.privateKeyFile() + "  (keep it secret; it signs approvals as " + approver + ")");
      writer.println("public key:  " + files.publicKeyFile());
      writer.println("add to the approver registry:");
      writer.println("  " + approver + ": { public_key_file: " + files.publicKeyFile().getFileName() + ", actions: [\"*\"], tenants: [\"*\"] }");
      return 0;
    }
  }
}
