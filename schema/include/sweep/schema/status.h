// sweep::Status and sweep::Result<T>: errors as values.
//
// A Status is OK or carries a code and a message a person can act on (what
// went wrong, where, and how to fix it). Result<T> holds a T or a non-OK
// Status. Both are cheap to move and thread-compatible (not thread-safe).
// Exceptions thrown by libraries are caught at the edge that calls them and
// turned into a Status; one function maps a Status to an exit code
// (ExitCodeFor) and the hub will add one that maps it to an HTTP status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sweep {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input from a user, a file or the network
  kNotFound,         // the named thing does not exist
  kAlreadyExists,    // creating something that is there already
  kCorruption,       // stored data failed an integrity check
  kIOError,          // the operating system or SQLite failed
  kConflict,         // a concurrent or contradictory change
  kUnauthorized,     // wrong PIN, bad signature, revoked device
  kLocked,           // keys not in memory, or PIN lockout delay running
  kShredded,         // the store was crypto-shredded; its data is gone
  kUnavailable,      // try again later (network, busy)
  kInternal,         // a bug: please report
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status Unauthorized(std::string m) { return {Code::kUnauthorized, std::move(m)}; }
  static Status Locked(std::string m) { return {Code::kLocked, std::move(m)}; }
  static Status Shredded(std::string m) { return {Code::kShredded, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: record 3f2a… version 2 ..." (or "OK").
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::Internal("Result constructed from OK status without value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

// Exit codes of both programs, documented in README and --help:
//   0 ok, 1 internal error, 2 usage / invalid input, 3 not found,
//   4 integrity failure (corruption, tampering), 5 I/O error,
//   6 unauthorized (wrong PIN, revoked), 7 locked (lockout delay),
//   8 store shredded, 9 conflict / already exists, 10 unavailable.
int ExitCodeFor(const Status& status);

}  // namespace sweep

// Propagates a non-OK Status out of the calling function.
#define SWEEP_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::sweep::Status sweep_status_ = (expr);        \
    if (!sweep_status_.ok()) return sweep_status_; \
  } while (0)

#define SWEEP_CONCAT_INNER(a, b) a##b
#define SWEEP_CONCAT(a, b) SWEEP_CONCAT_INNER(a, b)
// Assigns the value of a Result to `lhs`, or returns its Status.
#define SWEEP_ASSIGN_OR_RETURN(lhs, expr) \
  SWEEP_ASSIGN_OR_RETURN_IMPL(SWEEP_CONCAT(sweep_result_, __LINE__), lhs, expr)
#define SWEEP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
