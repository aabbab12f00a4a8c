#include "web/warnings.h"

#include "controller/config_schema.h"

namespace spark {

std::vector<std::string> CurrentWarnings(const Config& config, const WarningSources& sources) {
  std::vector<std::string> out = sources.startup_notes;
  if (sources.audit_failure) out.push_back(*sources.audit_failure);
  for (auto& w : ConfigWarnings(config)) out.push_back(std::move(w));
  if (sources.open_beyond_loopback && !config.auth.token) {
    out.push_back(
        "no auth.token is set and spark-control listens beyond loopback: anyone on the network "
        "can change the cluster (set SPARK_CONTROL_TOKEN)");
  }
  return out;
}

bool ListensOnLoopbackOnly(const std::string& listen) { return listen.rfind("127.", 0) == 0; }

}  // namespace spark
