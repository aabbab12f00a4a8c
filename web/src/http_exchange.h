#pragma once
// Private to the HTTP server (http_server.cc, request_admission.cc, sse_connections.cc): one
// request as the dispatcher carries it through its phases, and how a Response goes out on a
// CivetWeb connection.

#include <civetweb.h>

#include <string>

#include "web/http_server.h"

namespace spark {

// What the dispatcher knows about one request while it passes the phases of Handle.
struct HttpServer::Exchange {
  mg_connection* conn;
  Request request;
  ConfigPtr config;
  bool keep_alive;
  SteadyTime start;
  const Route* route = nullptr;  // once matched
};

// "HTTP/1.1 200 OK\r\n".
std::string StatusLine(int status);

// Writes the whole response (head and body) in one write.
void WriteResponse(mg_connection* conn, const Response& response, bool keep_alive);

}  // namespace spark
