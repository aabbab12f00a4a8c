// SSE connections: the stream slots (per server and per client address) and the stream a
// route writes its frames to, chunked on the CivetWeb connection.
#include <algorithm>

#include "http_exchange.h"
#include "web/json_api.h"

namespace spark {
namespace {

// Sends the response head with the first frame, so a handler can still Refuse.
class CivetSseStream final : public SseStream {
 public:
  CivetSseStream(mg_connection* conn, const HttpServer& server, std::string head)
      : conn_(conn), server_(server), head_(std::move(head)) {}

  bool Send(std::string_view event, std::string_view id, std::string_view data) override {
    std::string frame;
    frame.reserve(event.size() + id.size() + data.size() + 24);
    frame.append("event: ").append(event).append("\n");
    if (!id.empty()) frame.append("id: ").append(id).append("\n");
    frame.append("data: ").append(data).append("\n\n");
    return Write(frame);
  }
  bool Comment(std::string_view text) override {
    return Write(std::string(": ").append(text).append("\n\n"));
  }
  bool stopping() const override { return server_.stopping(); }
  void Refuse(const Response& response) override {
    if (!head_.empty()) {
      WriteResponse(conn_, response, false);
      refused_status_ = response.status;
      head_.clear();
    }
  }
  bool Write(std::string_view frame) {
    if (refused_status_ != 0) return false;
    if (!head_.empty()) {
      mg_write(conn_, head_.data(), head_.size());
      head_.clear();
    }
    return mg_send_chunk(conn_, frame.data(), static_cast<unsigned>(frame.size())) > 0;
  }
  // Ends the stream: the terminating chunk, or nothing after a refusal. The status sent.
  int End() {
    if (refused_status_ != 0) return refused_status_;
    Write("");
    return 200;
  }

 private:
  mg_connection* conn_;
  const HttpServer& server_;
  std::string head_;  // until sent
  int refused_status_ = 0;
};

}  // namespace

bool HttpServer::OpenStream(const std::string& client, int cap) {
  std::lock_guard lock(streams_mu_);
  int& mine = streams_per_client_[client];
  if (open_streams_ >= cap || mine >= kMaxStreamsPerClient) {
    if (mine == 0) streams_per_client_.erase(client);
    return false;
  }
  ++mine;
  ++open_streams_;
  return true;
}

void HttpServer::CloseStream(const std::string& client) {
  std::lock_guard lock(streams_mu_);
  const auto it = streams_per_client_.find(client);
  if (it != streams_per_client_.end() && --it->second <= 0) streams_per_client_.erase(it);
  --open_streams_;
}

int HttpServer::Stream(Exchange& x, const Route& route) {
  // The threads were sized from the start value, so a larger live value cannot be honoured.
  const int cap = std::min(x.config->limits.max_sse_clients, max_sse_clients_);
  const std::string client = x.request.client;
  if (!OpenStream(client, cap)) {
    Response response = ErrorResponse(
        ErrorCode::kOverloaded, "too many open event streams (at most " + std::to_string(cap) +
                                    ", " + std::to_string(kMaxStreamsPerClient) +
                                    " per client address); retry later");
    response.headers.emplace_back("Retry-After", "5");
    return Finish(x, response);
  }
  const std::string head = StatusLine(200) +
                           "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
                           "X-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n";
  CivetSseStream stream(x.conn, *this, head);
  struct Release {
    HttpServer& server;
    const std::string& client;
    ~Release() { server.CloseStream(client); }
  } release{*this, client};
  route.stream(x.request, stream);
  const int status = stream.End();
  if (hooks_.access_log) {
    hooks_.access_log(x.request.client + " " + x.request.method + " " + x.request.path + " " +
                      std::to_string(status) + " stream");
  }
  return status;
}

}  // namespace spark
