#include "http_exchange.h"

namespace spark {

std::string StatusLine(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + mg_get_response_code_text(nullptr, status) +
         "\r\n";
}

// Headers and body in one write (PITFALLS.md: Nagle + delayed ACK stalls otherwise).
void WriteResponse(mg_connection* conn, const Response& response, bool keep_alive) {
  const std::string_view payload = response.payload();
  std::string out;
  out.reserve(256 + payload.size());
  out += StatusLine(response.status);
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(payload.size()) + "\r\n";
  out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += payload;
  mg_write(conn, out.data(), out.size());
}

}  // namespace spark
