package io.drover.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Quantities printed as apimachinery's resource.Quantity prints them. */
class KubeQuantityTest {

  private static String string(String quantity) {
    return KubeQuantity.parse(quantity).toString();
  }

  @Test
  void aCanonicalStringIsKeptAsGiven() {
    assertEquals("500m", string("500m"));
    assertEquals("1Gi", string("1Gi"));
    assertEquals("2", string("2"));
    assertEquals("1500", string("1500"));
    assertEquals("129e6", string("129e6"));
  }

  @Test
  void otherStringsPrintInCanonicalForm() {
    assertEquals("1", string("1000m"));
    assertEquals("1500m", string("1.5"));
    assertEquals("500m", string("0.5"));
    assertEquals("100m", string("0.1"));
    assertEquals("1k", string("1000"));
    assertEquals("1Gi", string("1024Mi"));
    assertEquals("1536Mi", string("1.5Gi"));
    assertEquals("1536", string("1.5Ki"));
    assertEquals("2000Ki", string("2000Ki"));
    assertEquals("1n", string("0.1n"));
    assertEquals("0", string("0m"));
  }

  @Test
  void aSumLosesTheGivenStringAndKeepsTheFirstFormat() {
    assertEquals("1200m", KubeQuantity.parse("600m").plus(KubeQuantity.parse("600m")).toString());
    assertEquals("1Gi", KubeQuantity.parse("512Mi").plus(KubeQuantity.parse("512Mi")).toString());
    assertEquals("1500m", KubeQuantity.parse("1").plus(KubeQuantity.parse("500m")).toString());
    assertEquals("10Mi", KubeQuantity.ZERO.plus(KubeQuantity.parse("5Mi")).plus(KubeQuantity.parse("5Mi"))
        .toString());
  }

  @Test
  void goSyntaxIsTheStructAsAFieldErrorPrintsIt() {
    assertEquals("resource.Quantity{i:resource.int64Amount{value:0, scale:0}, d:resource.infDecAmount{"
        + "Dec:(*inf.Dec)(nil)}, s:\"0\", Format:\"DecimalSI\"}", KubeQuantity.parse("0").goSyntax());
    assertEquals("resource.Quantity{i:resource.int64Amount{value:1073741824, scale:0}, d:resource.infDecAmount{"
        + "Dec:(*inf.Dec)(nil)}, s:\"1Gi\", Format:\"BinarySI\"}", KubeQuantity.parse("1Gi").goSyntax());
    assertEquals("resource.Quantity{i:resource.int64Amount{value:500, scale:-3}, d:resource.infDecAmount{"
        + "Dec:(*inf.Dec)(nil)}, s:\"500m\", Format:\"DecimalSI\"}", KubeQuantity.parse("500m").goSyntax());
    assertEquals("resource.Quantity{i:resource.int64Amount{value:2000, scale:-3}, d:resource.infDecAmount{"
        + "Dec:(*inf.Dec)(nil)}, s:\"\", Format:\"DecimalSI\"}", KubeQuantity.parse("2000m").goSyntax());
  }

  @Test
  void valuesRoundUp() {
    assertEquals(2, KubeQuantity.parse("1.5m").milliValue());
    assertEquals(1, KubeQuantity.parse("100m").value());
    assertEquals(1500, KubeQuantity.parse("1.5").milliValue());
  }

  @Test
  void hugeAndTinyExponentsStayCheap() {
    KubeQuantity huge = KubeQuantity.parse("1e999999999");
    assertEquals("1e999999999", huge.toString());
    assertEquals(Long.MAX_VALUE, huge.milliValue());
    assertEquals(1, huge.plus(KubeQuantity.parse("1m")).compareTo(KubeQuantity.parse("1e39")));
    assertEquals("1e-9", KubeQuantity.parse("1e-999999999").toString());
    assertNull(KubeQuantity.parse("1e-2147483648"));
  }

  @Test
  void whatGoRefusesDoesNotParse() {
    assertNull(KubeQuantity.parse("1K"));
    assertNull(KubeQuantity.parse("1e"));
    assertNull(KubeQuantity.parse(""));
  }
}
