#pragma once
// Errors as values (LevelDB style). Exceptions are reserved for programmer errors;
// code that calls throwing libraries (yaml-cpp, nlohmann/json) catches at the call
// and returns a Status that names the input and the problem.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "exporter/error_code.h"

namespace spark {

class Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(ErrorCode code, std::string message, std::string field = {}) {
    return Status(code, std::move(message), std::move(field));
  }

  bool ok() const { return !code_.has_value(); }
  // The error's code (error_code.h); nullopt for Ok(), so `code() == ErrorCode::k…` is false
  // on success.
  std::optional<ErrorCode> code() const { return code_; }
  // The wire name of code(); empty for Ok().
  std::string_view code_name() const { return code_ ? ErrorCodeName(*code_) : std::string_view(); }
  const std::string& message() const { return message_; }
  // The JSON path or config key at fault; empty when no single field is.
  const std::string& field() const { return field_; }

 private:
  Status() = default;
  Status(ErrorCode code, std::string message, std::string field)
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  std::optional<ErrorCode> code_;
  std::string message_;
  std::string field_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T& value() & { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  const T* operator->() const { return &value(); }
  const T& operator*() const { return value(); }
  // Ok() when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(value_); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace spark
