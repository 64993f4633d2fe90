#include "kafka/embedded.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/rdkafka_conf.h"

namespace jb::kafka {
namespace {

class MockCluster final : public EmbeddedCluster {
 public:
  MockCluster(rd_kafka_t* handle, rd_kafka_mock_cluster_t* cluster)
      : handle_(handle),
        cluster_(cluster),
        bootstraps_(rd_kafka_mock_cluster_bootstraps(cluster)) {}
  ~MockCluster() override {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }

  const std::string& bootstraps() const override { return bootstraps_; }
  rd_kafka_mock_cluster_t* mock() override { return cluster_; }

 private:
  rd_kafka_t* handle_;
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstraps_;
};

}  // namespace

std::unique_ptr<EmbeddedCluster> EmbeddedCluster::start(int broker_count, std::string* error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  route_logs(conf);
  // The handle only hosts the mock brokers; it never connects anywhere itself, so its notice
  // about having no bootstrap servers is noise.
  if (!set_property(conf, "bootstrap.servers", "", error) ||
      !set_property(conf, "log_level", "4", error)) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  char message[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof message);
  if (!handle) {
    rd_kafka_conf_destroy(conf);
    if (error) *error = message;
    return nullptr;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, broker_count);
  if (!cluster) {
    rd_kafka_destroy(handle);
    if (error) *error = "the embedded Kafka cluster could not be started";
    return nullptr;
  }
  return std::make_unique<MockCluster>(handle, cluster);
}

std::string embedded_address_file(const std::string& spool_dir) {
  return spool_dir + "/embedded-brokers";
}

}  // namespace jb::kafka
