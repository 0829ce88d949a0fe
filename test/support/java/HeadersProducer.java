import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends one record with the Java client, with headers as kafkajs cannot send them: NAME=VALUE, or
 * NAME alone for a header without value (null).
 * Usage: java -cp 'KAFKA_LIB/*' HeadersProducer.java BROKERS TOPIC PARTITION VALUE HEADER...
 */
public class HeadersProducer {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      ProducerRecord<String, String> record =
          new ProducerRecord<>(args[1], Integer.parseInt(args[2]), null, args[3]);
      for (int i = 4; i < args.length; i++) {
        int eq = args[i].indexOf('=');
        if (eq < 0) record.headers().add(args[i], null);
        else
          record
              .headers()
              .add(args[i].substring(0, eq), args[i].substring(eq + 1).getBytes(StandardCharsets.UTF_8));
      }
      producer.send(record).get();
    }
  }
}
