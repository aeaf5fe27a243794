// The "run-as" section: a blackstart extension with no Kea equivalent (Kea
// leaves the user to its service manager), read into Config::run_as. The
// names are only checked for shape here; whether they exist is the host's
// business (host_checks.cpp for -t, daemon/privileges.cpp at start).
#include "config/reader.h"

namespace bs::config {
namespace {

constexpr std::string_view kRunAsKeys[] = {"user", "group"};
BS_CONFIG_KEYS("Dhcp4.run-as", kRunAsKeys);

// What useradd/groupadd accept, minus the trailing '$' of machine accounts:
// a name that could never resolve is a typo worth stopping on.
bool is_valid_account_name(std::string_view name) {
  constexpr size_t kMaxNameChars = 32;
  if (name.empty() || name.size() > kMaxNameChars || name.front() == '-') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> read_name(const Reader& reader, const Node& node) {
  auto text = reader.get_string(node);
  if (!text) return text;
  if (!is_valid_account_name(*text)) {
    return tl::unexpected(reader.error(
        node, node.path + " must be a user or group name (letters, digits, '_', '-', '.'), got " +
                  quote(*text)));
  }
  return text;
}

}  // namespace

Status read_run_as(const Reader& reader, const Node& dhcp4, Config& config) {
  const auto node = dhcp4.find("run-as");
  if (!node) return {};
  if (auto ok = reader.expect_object(*node); !ok) return ok;
  if (auto ok = reader.check_keys(*node, Scope::RunAs, kRunAsKeys); !ok) return ok;
  const auto user = node->find("user");
  if (!user) {
    return tl::unexpected(
        reader.error(*node, node->path + " needs a \"user\" (e.g. \"_blackstart\")"));
  }
  auto user_name = read_name(reader, *user);
  if (!user_name) return tl::unexpected(user_name.error());
  config.run_as.user = *user_name;
  if (const auto group = node->find("group")) {
    auto group_name = read_name(reader, *group);
    if (!group_name) return tl::unexpected(group_name.error());
    config.run_as.group = *group_name;
  }
  return {};
}

}  // namespace bs::config
