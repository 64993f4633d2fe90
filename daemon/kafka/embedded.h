// `kafka.brokers: embedded`: librdkafka's mock cluster in-process, speaking the Kafka protocol over
// TCP on loopback. For trying the daemon without Kafka, and for tests.
#pragma once

#include <memory>
#include <string>

typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace jb::kafka {

class EmbeddedCluster {
 public:
  static std::unique_ptr<EmbeddedCluster> start(int broker_count, std::string* error);
  virtual ~EmbeddedCluster() = default;

  // "127.0.0.1:port,..." for bootstrap.servers.
  virtual const std::string& bootstraps() const = 0;
  // The mock cluster, for fault injection with rdkafka_mock.h.
  virtual rd_kafka_mock_cluster_t* mock() = 0;
};

// Where a running `serve` with embedded brokers writes its bootstrap address, so `consume` and
// `replay` run with the same config find it: "{spool.dir}/embedded-brokers".
std::string embedded_address_file(const std::string& spool_dir);

}  // namespace jb::kafka
