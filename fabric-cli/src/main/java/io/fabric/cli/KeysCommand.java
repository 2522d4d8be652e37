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

      @Option(names = "--api-key", required = true, paramLabel = "NAME",
          description = "An API key for the HTTP gateway, held by NAME (a caller: a service, a team) for the tenants of --tenants.")
      String apiKey;
    }

    @Option(names = "--tenants", split = ",", paramLabel = "TENANT",
        description = "With --api-key: the tenants the key may act for (\"*\" for all).")
    java.util.List<String> tenants = java.util.List.of();

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (who.apiKey != null) {
        return apiKey();
      }
      boolean approver = who.approver != null;
      String name = approver ? who.approver : who.submitter;
      ApproverKeys.KeyFiles files = ApproverKeys.generate(name, out);
      PrintWriter writer = spec.commandLine().getOut();
      writer.println("private key: " + files.privateKeyFile() + "  (keep it secret; it signs " + (approver ? "approvals" : "requests")
          + " as " + name + ")");
      writer.println("public key:  " + files.publicKeyFile());
      writer.println("add to the " + (approver ? "approver registry (--approvers)" : "submitter registry (--submitters)") + ":");
      writer.println("  " + name + ": { public_key_file: " + files.publicKeyFile().getFileName() + ", actions: [\"*\"], tenants: [\"*\"] }");
      if (!approver) {
        // the gate refuses gateway.principal from a submitter that does not list the scope by name ("*" is not enough)
        writer.println("(for the gateway's own key (--gateway-key) list " + io.fabric.schemas.topics.ReservedNames.GATEWAY_SCOPE
            + " in its actions: [" + io.fabric.schemas.topics.ReservedNames.GATEWAY_SCOPE + ", \"*\"])");
      }
      return 0;
    }

    /** Writes the key to DIR/NAME.api-key (mode 600) for the caller, and prints the digest entry for the gateway's --api-keys file. */
    private Integer apiKey() throws IOException {
      if (tenants.isEmpty()) {
        throw new IllegalArgumentException("--api-key needs --tenants: the tenants the key may act for");
      }
      String key = io.fabric.gateway.http.ApiKeys.newKey();
      java.nio.file.Files.createDirectories(out);
      Path file = out.resolve(who.apiKey + ".api-key");
      java.nio.file.Files.writeString(file, key + "\n");
      try {
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // the file system has no POSIX modes; the key is as protected as the directory is
      }
      PrintWriter writer = spec.commandLine().getOut();
      writer.println("API key:  " + file + "  (give it to " + who.apiKey + "; send it as Authorization: Bearer KEY)");
      writer.println("add to the gateway's API keys file (--api-keys), under keys: (only the digest, never the key):");
      writer.println(io.fabric.gateway.http.ApiKeys.entry(who.apiKey, new java.util.LinkedHashSet<>(tenants), key));
      return 0;
    }
  }
}
