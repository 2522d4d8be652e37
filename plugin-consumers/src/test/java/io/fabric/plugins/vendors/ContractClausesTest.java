package io.fabric.plugins.vendors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContractClausesTest {
  private static final String MSA = """
      MASTER SERVICES AGREEMENT
      1. Term. This Agreement has an initial term of one year and renews automatically for successive one-year terms unless
      either party gives ninety (90) days' written notice of non-renewal.
      2. Fees. Customer shall pay all invoices net 45 from the invoice date. Late payments bear interest at 1.5% per month.
      3. Termination. Either party may terminate this Agreement for material breach upon thirty (30) days' prior written notice.
      4. Limitation of Liability. Each party's total liability shall not exceed the fees paid in the twelve months preceding the claim.
      5. Confidentiality. Each party shall protect the other's Confidential Information.
      6. Indemnification. Supplier shall indemnify Customer against third-party IP claims.
      7. Governing Law. This Agreement is governed by the laws of the State of Delaware, without regard to conflict of laws.
      """;

  @Test
  void extractsTheTermsAReviewerAsksFirst() {
    Map<String, Object> analysis = ContractClauses.analyze(MSA);

    assertEquals(List.of("auto_renewal", "confidentiality", "governing_law", "indemnification", "liability", "payment_terms",
        "termination"), analysis.get("found"));
    assertEquals(List.of(), analysis.get("missing"));
    Map<?, ?> terms = (Map<?, ?>) analysis.get("terms");
    assertEquals(45, terms.get("payment_net_days"));
    assertEquals(30, terms.get("termination_notice_days"));
    assertEquals(1.5, terms.get("late_interest_percent"));
    assertEquals(true, terms.get("auto_renews"));
    assertEquals("one-year", terms.get("renewal_term"));
    assertEquals(90, terms.get("renewal_notice_days"));
    assertEquals("the fees paid in the twelve months preceding the claim", terms.get("liability_cap"));
    assertEquals("Delaware", terms.get("governing_law"));
    assertEquals(List.of("renews automatically unless cancelled 90 days ahead"), analysis.get("risks"));
  }

  @Test
  void reportsMissingClausesAndRisks() {
    Map<String, Object> analysis = ContractClauses.analyze("The supplier accepts unlimited liability for data loss. "
        + "Payment is due net 90. This order does not renew automatically.");

    assertEquals(List.of("confidentiality", "governing_law", "termination"), analysis.get("missing"));
    Map<?, ?> terms = (Map<?, ?>) analysis.get("terms");
    assertEquals(false, terms.get("auto_renews"));
    assertEquals(List.of("unlimited liability", "no termination clause", "long payment terms (net 90)"), analysis.get("risks"));
  }

  @Test
  void theSameTextAlwaysGivesTheSameAnalysis() {
    assertEquals(ContractClauses.analyze(MSA), ContractClauses.analyze(MSA));
  }

  @Test
  void anEmptyContractHasEveryExpectedClauseMissing() {
    Map<String, Object> analysis = ContractClauses.analyze("Hello.");

    assertEquals(ContractClauses.EXPECTED.stream().sorted().toList(), analysis.get("missing"));
    assertFalse((Boolean) ((Map<?, ?>) analysis.get("terms")).get("auto_renews"));
    assertTrue(((List<?>) analysis.get("risks")).contains("no limitation of liability clause"));
  }
}
