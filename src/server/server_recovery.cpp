// Recovery mode: entered after an unclean shutdown, left by itself after the
// longest configured lease lifetime, when every lease the server could have
// forgotten has expired on the client side too. Its probing also covers
// an HA pair that is apart: the partner may be in partner-down and have
// handed out an address this server believes free (the HA simulation's
// seed 215 gave one address to two clients without it).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/server.h"

namespace bs::server {
namespace {

uint32_t longest_lifetime_s(const config::Config& config) {
  // A client may have asked for up to max-valid-lifetime (option 51).
  uint32_t longest = std::max(config.valid_lifetime_s,
                              config.max_valid_lifetime_s.value_or(config.valid_lifetime_s));
  for (const auto& subnet : config.subnets) {
    longest = std::max(longest, config::max_valid_lifetime(config, subnet));
  }
  return longest;
}

}  // namespace

void Server::enter_recovery(int64_t now_s, std::string_view cause) {
  recovery_until_s_ = now_s + longest_lifetime_s(config_);
  handler_->set_recovery(true);
  const std::string text =
      fmt::format("{}: recovery mode for {} s (conflict probing on for uncertain addresses)", cause,
                  recovery_until_s_ - now_s);
  spdlog::warn("{}", text);
  Event event;
  event.at_s = now_s;
  event.kind = EventKind::Recovery;
  event.text = text;
  events_.add(std::move(event));
}

bool Server::addresses_uncertain() const {
  return in_recovery() || (replicator_ && !replicator_->pair().replicates());
}

void Server::check_recovery_end(int64_t now_s) {
  if (recovery_until_s_ == 0 || now_s < recovery_until_s_) return;
  recovery_until_s_ = 0;
  handler_->set_recovery(addresses_uncertain());
  spdlog::info("recovery mode over: every lease from before the unclean shutdown has expired");
  Event event;
  event.at_s = now_s;
  event.kind = EventKind::Recovery;
  event.text = "recovery mode over";
  events_.add(std::move(event));
}

}  // namespace bs::server
