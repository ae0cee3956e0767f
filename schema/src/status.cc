#include "sweep/schema/status.h"

namespace sweep {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "Invalid argument";
    case Code::kNotFound:
      return "Not found";
    case Code::kAlreadyExists:
      return "Already exists";
    case Code::kCorruption:
      return "Corruption";
    case Code::kIOError:
      return "I/O error";
    case Code::kConflict:
      return "Conflict";
    case Code::kUnauthorized:
      return "Unauthorized";
    case Code::kLocked:
      return "Locked";
    case Code::kShredded:
      return "Shredded";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kInternal:
      return "Internal error";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 0;
    case Code::kInternal:
      return 1;
    case Code::kInvalidArgument:
      return 2;
    case Code::kNotFound:
      return 3;
    case Code::kCorruption:
      return 4;
    case Code::kIOError:
      return 5;
    case Code::kUnauthorized:
      return 6;
    case Code::kLocked:
      return 7;
    case Code::kShredded:
      return 8;
    case Code::kConflict:
    case Code::kAlreadyExists:
      return 9;
    case Code::kUnavailable:
      return 10;
  }
  return 1;
}

}  // namespace sweep
