package io.fabric.plugins.vendors;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.runtime.PluginHost;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.TestPlugins;
import io.fabric.sandbox.VendorSandbox;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The vendor plugins inside the real runtime on the embedded broker, against the sandbox: a Stripe
 * charge, then a Salesforce sync the vendor refuses (400), so the flow rolls back and the charge is
 * refunded; and no credential appears in any record of any topic the fabric wrote.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class VendorRollbackIntegrationTest {
  private VendorSandbox sandbox;
  private FabricHarness fabric;
  private PluginHost host;

  @BeforeEach
  void setUp() throws Exception {
    sandbox = VendorSandbox.start();
    fabric = FabricHarness.create(List.of(StripePlugin.NAME, SalesforcePlugin.NAME, LinkedInPlugin.NAME, CmsPlugin.NAME,
        CrmRoutingPlugin.NAME, SlackPlugin.NAME));
    Map<String, String> vendors = sandbox.systemProperties();
    host = PluginHost.start(fabric.connection, fabric.catalog, TestPlugins.registry(
            new StripePlugin(VendorConfig.of(StripePlugin.NAME, vendors)),
            new SalesforcePlugin(VendorConfig.of(SalesforcePlugin.NAME, vendors)),
            new LinkedInPlugin(VendorConfig.of(LinkedInPlugin.NAME, vendors)),
            new CmsPlugin(VendorConfig.of(CmsPlugin.NAME, vendors)),
            new CrmRoutingPlugin(VendorConfig.of(CrmRoutingPlugin.NAME, vendors)),
            new SlackPlugin(VendorConfig.of(SlackPlugin.NAME, vendors))),
        PluginRuntimeConfig.defaults());
    await().atMost(FabricHarness.WAIT).until(() -> host.allAssigned() || host.failed().isPresent());
    assertTrue(host.failed().isEmpty());
  }

  @AfterEach
  void tearDown() {
    host.close();
    fabric.close();
    sandbox.close();
  }

  @Test
  void aRefusedSyncRollsTheFlowBackByRefundingTheChargeAndNoSecretReachesATopic() throws Exception {
    String flow = "flow-" + UUID.randomUUID();
    fabric.send(StripePlugin.NAME, request(flow, StripePlugin.CREATE_CHARGE,
        "{\"amount\":1200,\"currency\":\"eur\",\"customer\":\"cus_9\",\"payment_method\":\"pm_card_visa\"}", false));
    fabric.awaitRevision(flow, 1);
    // Salesforce refuses a body that repeats the external id field: a permanent 400
    TaskRequest refused = request(flow, SalesforcePlugin.SYNC,
        "{\"external_id\":\"A-1\",\"fields\":{\"External_Id__c\":\"A-1\",\"Name\":\"Acme\"}}", false);
    fabric.send(SalesforcePlugin.NAME, refused);

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");

    assertEquals(List.of("COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(1, sandbox.effects(VendorSandbox.CHARGE));
    assertEquals(1, sandbox.effects(VendorSandbox.REFUND));
    assertTrue(end.getState().contains("stripe_refund"), end.getState());
    DeadLetter letter = await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals(refused.getRequestId(), letter.getRequestId());
    assertTrue(String.valueOf(letter).contains("INVALID_FIELD"), String.valueOf(letter));

    assertFalse(recordsContaining("pi_sandbox_").isEmpty(), "the scan reads the records (the charge id is checkpointed)");
    for (String secret : List.of(VendorSandbox.STRIPE_SECRET_KEY, VendorSandbox.SALESFORCE_TOKEN)) {
      List<String> leaks = recordsContaining(secret);
      assertTrue(leaks.isEmpty(), "secret written to " + leaks);
    }
  }

  @Test
  void aRefusedSyncUndoesAPostAnArticleALeadReassignmentAndASlackMessage() throws Exception {
    new SalesforcePlugin(VendorConfig.of(SalesforcePlugin.NAME, sandbox.systemProperties())).execute("acme",
        Map.of("sobject", "Lead", "external_id", "L-7", "fields", Map.of("LastName", "Lovelace", "Company", "Acme")),
        VendorTesting.context(SalesforcePlugin.SYNC));
    String flow = "flow-" + UUID.randomUUID();
    String[][] steps = {
        {LinkedInPlugin.NAME, LinkedInPlugin.SEND, "{\"text\":\"We ship (finally)\"}"},
        {CmsPlugin.NAME, CmsPlugin.PUBLISH, "{\"title\":\"Release notes\",\"content\":\"Kafka all the way down.\"}"},
        {CrmRoutingPlugin.NAME, CrmRoutingPlugin.MODIFY, "{\"external_id\":\"L-7\",\"owner_id\":\"005SBX000000002AAA\"}"},
        {SlackPlugin.NAME, SlackPlugin.SEND, "{\"text\":\"Lead L-7 is yours\"}"}};
    for (int i = 0; i < steps.length; i++) {
      fabric.send(steps[i][0], request(flow, steps[i][1], steps[i][2], false));
      fabric.awaitRevision(flow, i + 1);
    }
    fabric.send(SalesforcePlugin.NAME, request(flow, SalesforcePlugin.SYNC,
        "{\"external_id\":\"A-1\",\"fields\":{\"External_Id__c\":\"A-1\",\"Name\":\"Acme\"}}", false));

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");

    assertEquals(List.of("COMPENSATED", "COMPENSATED", "COMPENSATED", "COMPENSATED", "FAILED"),
        end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(List.of(1, 1, 1, 1), List.of(sandbox.effects(VendorSandbox.LINKEDIN_POST_DELETE), sandbox.effects(VendorSandbox.CMS_POST_TRASH),
        sandbox.effects(VendorSandbox.SLACK_MESSAGE_DELETE), sandbox.effects(VendorSandbox.LINKEDIN_POST)));
    assertEquals(2, sandbox.effects(VendorSandbox.SALESFORCE_OWNER_CHANGE), "reassigned, then given back");
    assertTrue(end.getState().contains("lead_routing_restored"), end.getState());
    for (String secret : List.of(VendorSandbox.LINKEDIN_TOKEN, VendorSandbox.WORDPRESS_PASSWORD, VendorSandbox.SLACK_TOKEN)) {
      List<String> leaks = recordsContaining(secret);
      assertTrue(leaks.isEmpty(), "secret written to " + leaks);
    }
  }

  /** Every record (key, value, headers; committed or not) of this test's topics that contains {@code text}, as topic-partition@offset. */
  private List<String> recordsContaining(String text) throws Exception {
    List<TopicPartition> partitions = new ArrayList<>();
    try (Admin admin = Admin.create(fabric.connection.clientConfig())) {
      List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(name -> name.startsWith(fabric.catalog.prefix())).toList();
      admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, description) ->
          description.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
    }
    Map<String, Object> config = fabric.connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    List<String> leaks = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      await().atMost(FabricHarness.WAIT).until(() -> {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          boolean leaked = contains(record.key(), needle) || contains(record.value(), needle);
          for (Header header : record.headers()) {
            leaked |= contains(header.value(), needle);
          }
          if (leaked) {
            leaks.add(record.topic() + "-" + record.partition() + "@" + record.offset());
          }
        }
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
      });
    }
    return leaks;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    if (haystack == null) {
      return false;
    }
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
