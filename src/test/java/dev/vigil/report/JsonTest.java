package dev.vigil.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Json#bytes} writes a tree of nodes as Jackson's ObjectMapper would, without the mapper. */
class JsonTest {

    @Test
    void everyKindOfNodeIsWrittenAsTheMapperWritesIt() throws Exception {
        ObjectNode root = Json.object();
        root.put("text", "quote \" backslash \\ newline \n tab \t é \u0001");
        root.put("int", -7).put("long", 1L << 40).put("double", 0.25).put("float", 1.5f);
        root.put("big_integer", new BigInteger("123456789012345678901234567890"));
        root.put("big_decimal", new BigDecimal("1.000000000000000000001"));
        root.put("yes", true).put("no", false).putNull("nothing");
        root.putArray("empty");
        root.putObject("none");
        var list = root.putArray("list");
        list.add(1).add("two").addNull().addObject().put("nested", "deep");
        list.addArray().add(3.5);

        byte[] written = Json.bytes(root);

        assertThat(new String(written, StandardCharsets.UTF_8))
                .isEqualTo(new String(Json.mapper().writeValueAsBytes(root), StandardCharsets.UTF_8));
    }

    @Test
    void aNodeWithNoJsonFormIsRefused() {
        ObjectNode root = Json.object();
        root.putPOJO("pojo", new Object());
        assertThatThrownBy(() -> Json.bytes(root)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("POJO");
    }
}
