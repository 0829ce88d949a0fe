import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends each value as one record with the Java client and the given compression (snappy, lz4,
 * zstd): how Java and librdkafka producers write batches that kafkajs cannot read by itself.
 * Usage: java -cp 'KAFKA_LIB/*' CompressedProducer.java BROKERS TOPIC CODEC VALUE...
 */
public class CompressedProducer {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("compression.type", args[2]);
    props.put("linger.ms", "50");
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 3; i < args.length; i++) producer.send(new ProducerRecord<>(args[1], args[i]));
      producer.flush();
    }
  }
}
