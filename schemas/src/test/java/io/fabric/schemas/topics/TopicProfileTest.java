package io.fabric.schemas.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicProfileTest {
  @Test
  void theTwoProfilesAreSingleNodeOneOneAndClusterThreeTwo() {
    assertEquals(new TopicProfile("single-node", (short) 1, 1), TopicProfile.named("single-node"));
    assertEquals(new TopicProfile("cluster", (short) 3, 2), TopicProfile.named(" Cluster "));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> TopicProfile.named("prod"));
    assertEquals("unknown topic profile 'prod': use single-node or cluster", unknown.getMessage());
  }

  @Test
  void aClusterOfThreeBrokersOrMoreGetsTheClusterProfileFewerGetSingleNode() {
    assertEquals(TopicProfile.SINGLE_NODE, TopicProfile.forBrokerCount(1));
    assertEquals(TopicProfile.SINGLE_NODE, TopicProfile.forBrokerCount(2));
    assertEquals(TopicProfile.CLUSTER, TopicProfile.forBrokerCount(3));
    assertEquals(TopicProfile.CLUSTER, TopicProfile.forBrokerCount(6));
  }

  @Test
  void aTopicIsCreatedWithTheProfilesReplicationAndMinInsyncReplicasNextToTheCatalogsConfig() {
    TopicSpec<?, ?> state = TopicCatalog.create(6, List.of()).flowState;

    NewTopic topic = state.newTopic(TopicProfile.CLUSTER);

    assertEquals(6, topic.numPartitions());
    assertEquals(3, topic.replicationFactor());
    assertEquals(Map.of("cleanup.policy", "compact", "min.insync.replicas", "2"), topic.configs());
    assertEquals("1", TopicCatalog.defaults().dlq.newTopic(TopicProfile.SINGLE_NODE).configs().get("min.insync.replicas"));
  }

  @Test
  void fewerReplicasOrALowerMinInsyncReplicasIsWeakerThanTheProfile() {
    assertEquals(List.of(), TopicProfile.CLUSTER.weaknesses(3, 2));
    assertEquals(List.of(), TopicProfile.CLUSTER.weaknesses(5, 3), "stronger is fine");
    assertEquals(List.of(), TopicProfile.SINGLE_NODE.weaknesses(3, 2));
    assertEquals(List.of("replication factor 1, profile cluster wants 3", "min.insync.replicas=1, profile cluster wants 2"),
        TopicProfile.CLUSTER.weaknesses(1, 1));
    assertEquals(List.of("min.insync.replicas=1, profile cluster wants 2"), TopicProfile.CLUSTER.weaknesses(3, 1));
    assertTrue(TopicProfile.CLUSTER.weaknesses(3, null).get(0).startsWith("min.insync.replicas=null"));
  }

  @Test
  void minInsyncReplicasAboveTheReplicationFactorIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new TopicProfile("bad", (short) 2, 3));
  }
}
