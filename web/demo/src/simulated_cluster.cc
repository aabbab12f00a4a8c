// The demo's simulated Sparks: spark-vllm-docker's scripts and docker as they behave on a
// real cluster (SPARK-VLLM-DOCKER.md), with vLLM's start-up log.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "demo/simulated_containers.h"
#include "demo/simulated_executor.h"

namespace spark {
namespace {

using std::chrono::milliseconds;

constexpr const char* kDemoVllmContainer = "vllm_node";

// The words of a command line built by ShellQuote (bare words and '…' with '\'' inside).
std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '\'') {
        quoted = false;
      } else {
        word += c;
      }
    } else if (c == '\'') {
      quoted = true;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The value after `flag` in `words`, if any.
std::optional<std::string> After(const std::vector<std::string>& words, const std::string& flag) {
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == flag) return words[i + 1];
  }
  return std::nullopt;
}

std::string LogTime() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%m-%d %H:%M:%S", &tm);
  return buf;
}

struct ClusterState {
  std::mutex mu;
  bool running = false;
  bool ready = false;  // start-up already completed (a second follow replays it at once)
  std::string served;
  std::string port = "8888";
  bool solo = true;
  std::string version = "0.11.1";  // of the image the running container started from
};

SimulatedScript StartupLog(const std::shared_ptr<ClusterState>& state,
                           const SimulatedCluster& cluster) {
  std::lock_guard lock(state->mu);
  SimulatedScript script;
  script.end = SimulatedScript::End::kHang;  // docker logs -f keeps following
  if (!state->running) {
    script.lines.push_back({{},
                            RemoteStream::kStderr,
                            "Error response from daemon: No such container: vllm_node",
                            {}});
    script.end = SimulatedScript::End::kExit;
    script.exit_code = 1;
    return script;
  }
  const std::string model = state->served;
  const std::string t = LogTime();
  std::vector<std::pair<int, std::string>> lines = {
      {2, "INFO " + t + " [api_server.py:1896] vLLM API server version " + state->version},
      {1, "INFO " + t + " [utils.py:328] non-default args: {'model_tag': '" + model +
              "', 'host': '0.0.0.0', 'port': " + state->port +
              (state->solo ? "" : ", 'tensor_parallel_size': 2") + "}"},
      {3, "INFO " + t + " [model.py:547] Resolved architecture: Qwen3MoeForCausalLM"},
      {1, "INFO " + t + " [model.py:1510] Using max model len 262144"},
      {2, "INFO " + t + " [core.py:93] Initializing a V1 LLM engine (v" + state->version +
              ") with config: model='" + model + "'"},
      {2, "INFO " + t + " [gpu_model_runner.py:2602] Starting to load model " + model + "..."},
  };
  for (int shard = 0; shard <= 10; ++shard) {
    char text[128];
    std::snprintf(text, sizeof text,
                  "Loading safetensors checkpoint shards: %3d%% Completed | %d/10 "
                  "[00:%02d<00:%02d, 3.01s/it]",
                  shard * 10, shard, shard * 3, (10 - shard) * 3);
    lines.push_back({shard == 0 ? 1 : 5, text});
  }
  const std::vector<std::pair<int, std::string>> tail = {
      {1, "INFO " + t + " [default_loader.py:267] Loading weights took 30.12 seconds"},
      {1, "INFO " + t + " [gpu_model_runner.py:2653] Model loading took 20.1 GiB and 31.5 seconds"},
      {2, "INFO " + t + " [gpu_worker.py:298] Available KV cache memory: 80.52 GiB"},
      {1, "INFO " + t + " [kv_cache_utils.py:1087] GPU KV cache size: 1,055,344 tokens"},
      {3,
       "Capturing CUDA graphs (mixed prefill-decode, PIECEWISE): 100%|##########| 67/67 "
       "[00:09<00:00,  7.12it/s]"},
      {1, "INFO " + t +
              " [gpu_model_runner.py:3480] Graph capturing finished in 12 secs, took 0.90 GiB"},
      {1, "INFO " + t +
              " [core.py:210] init engine (profile, create kv cache, warmup model) took 45.20 "
              "seconds"},
      {1, "INFO " + t + " [api_server.py:1634] Supported_tasks: ['generate']"},
      {1, "INFO " + t +
              " [api_server.py:1912] Starting vLLM API server 0 on http://0.0.0.0:" + state->port},
      {0, "INFO " + t + " [launcher.py:34] Available routes are:"},
      {0, "INFO " + t + " [launcher.py:42] Route: /health, Methods: GET"},
      {0, "INFO " + t + " [launcher.py:42] Route: /v1/models, Methods: GET"},
      {0, "INFO " + t + " [launcher.py:42] Route: /v1/chat/completions, Methods: POST"},
      {0, "INFO " + t + " [launcher.py:42] Route: /metrics, Methods: GET"},
      {1, "INFO:     Started server process [1]"},
      {0, "INFO:     Waiting for application startup."},
      {1, "INFO:     Application startup complete."},
  };
  lines.insert(lines.end(), tail.begin(), tail.end());
  int weight = 0;
  for (const auto& l : lines) weight += l.first;
  const Duration unit = state->ready ? Duration{} : cluster.startup / weight;
  for (auto& [w, text] : lines)
    script.lines.push_back({unit * w, RemoteStream::kStdout, std::move(text), {}});
  script.lines.back().effect = [state, notify = cluster.on_served_model,
                                notify_version = cluster.on_vllm_version] {
    std::string served, version;
    {
      std::lock_guard inner(state->mu);
      state->ready = true;
      served = state->served;
      version = state->version;
    }
    if (notify_version) notify_version(version);
    if (notify) notify(served);
  };
  return script;
}

}  // namespace

void AddSparkVllmDockerRules(SimulatedExecutor& executor, SimulatedCluster cluster) {
  auto state = std::make_shared<ClusterState>();
  if (cluster.initial_model) {
    state->running = true;
    state->ready = true;
    state->served = *cluster.initial_model;
  }
  const milliseconds gap(150);
  if (cluster.containers) {
    cluster.containers->OnCrash(kDemoVllmContainer, [state] {
      std::lock_guard lock(state->mu);
      state->running = false;
      state->ready = false;
    });
  }

  executor.On("docker ps", [state](const RemoteCommand&) {
    std::lock_guard lock(state->mu);
    return SimulatedScript::Print(state->running ? std::vector<std::string>{"vllm_node Up 2 hours"}
                                                 : std::vector<std::string>{});
  });
  executor.On("launch-cluster.sh", [state, cluster, gap](const RemoteCommand& command) {
    const auto words = SplitWords(command.line);
    if (words.empty() || words.back() == "stop") {
      bool was_running = false;
      {
        std::lock_guard lock(state->mu);
        was_running = state->running;
        state->running = false;
        state->ready = false;
      }
      if (was_running && cluster.containers) cluster.containers->Stopped(kDemoVllmContainer);
      if (was_running && cluster.on_served_model) cluster.on_served_model(std::nullopt);
      return SimulatedScript::Print(
          {"Stopping cluster containers...", "Stopping vllm_node on head node",
           "Stopping vllm_node on worker 192.168.100.11", "Cluster stopped."},
          gap);
    }
    std::lock_guard lock(state->mu);
    if (state->running) {
      return SimulatedScript::Print({"Cluster containers are already running. Skipping launch."});
    }
    state->solo = std::find(words.begin(), words.end(), "--solo") != words.end();
    state->served =
        After(words, "--served-model-name").value_or(After(words, "serve").value_or("unknown"));
    state->port = After(words, "--port").value_or("8888");
    state->running = true;
    state->ready = false;
    if (cluster.launch_version) state->version = cluster.launch_version();
    if (cluster.containers) cluster.containers->Started(kDemoVllmContainer);
    return SimulatedScript::Print(
        {state->solo ? "Solo mode: running on the head node only"
                     : "Cluster nodes: 192.168.100.10 (head), 192.168.100.11",
         "Starting vllm_node on head node...",
         state->solo ? "vllm_node started" : "Starting vllm_node on worker 192.168.100.11...",
         "Command dispatched in background (Daemon mode)"},
        gap);
  });
  executor.On("docker logs",
              [state, cluster](const RemoteCommand&) { return StartupLog(state, cluster); });
  for (const char* verb : {"docker start ", "docker stop ", "docker restart "}) {
    executor.On(verb, [gap](const RemoteCommand& command) {
      const auto words = SplitWords(command.line);
      return SimulatedScript::Print({words.empty() ? std::string() : words.back()}, gap * 4);
    });
  }
  executor.On("chown -R", SimulatedScript::Print({}, gap));
}

}  // namespace spark
