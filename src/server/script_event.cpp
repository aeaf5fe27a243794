// Kea's run_script variables for one durable lease event (script_event.h).
// Names and formats follow Kea's run_script library: addresses dotted,
// hardware addresses and client ids as lowercase colon hex, option data as
// "0x" and uppercase hex, booleans "true"/"false", integers decimal.
#include "server/script_event.h"

#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "wire/packet.h"

namespace bs::server {
namespace {

using Env = std::vector<std::string>;

void put(Env& env, std::string_view name, std::string_view value) {
  env.push_back(fmt::format("{}={}", name, value));
}

void put_hw(Env& env, std::string_view name, const HwAddr* hw) {
  put(env, name, hw != nullptr ? to_string(*hw) : "");
  put(env, fmt::format("{}_TYPE", name), hw != nullptr ? std::to_string(hw->htype) : "");
}

// Kea's names for its lease states (Lease::statesToText).
const char* kea_state(LeaseState state) {
  switch (state) {
    case LeaseState::Declined:
      return "declined";
    case LeaseState::Reclaimed:
      return "expired-reclaimed";
    case LeaseState::Assigned:
    case LeaseState::Offered:
      break;
  }
  return "default";
}

const char* kea_message_name(wire::MessageType type) {
  switch (type) {
    case wire::MessageType::Discover:
      return "DHCPDISCOVER";
    case wire::MessageType::Offer:
      return "DHCPOFFER";
    case wire::MessageType::Request:
      return "DHCPREQUEST";
    case wire::MessageType::Decline:
      return "DHCPDECLINE";
    case wire::MessageType::Ack:
      return "DHCPACK";
    case wire::MessageType::Nak:
      return "DHCPNAK";
    case wire::MessageType::Release:
      return "DHCPRELEASE";
    case wire::MessageType::Inform:
      return "DHCPINFORM";
  }
  return "UNKNOWN";
}

std::string kea_hex(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return "";
  std::string out = "0x";
  for (uint8_t byte : bytes) out += fmt::format("{:02X}", byte);
  return out;
}

void put_lease(Env& env, const Lease& lease) {
  put(env, "LEASE4_ADDRESS", to_string(lease.address));
  put(env, "LEASE4_CLTT", std::to_string(lease.cltt_s));
  put(env, "LEASE4_HOSTNAME", lease.hostname);
  put_hw(env, "LEASE4_HWADDR", lease.hw_address.empty() ? nullptr : &lease.hw_address);
  put(env, "LEASE4_STATE", kea_state(lease.state));
  put(env, "LEASE4_SUBNET_ID", std::to_string(lease.subnet_id));
  put(env, "LEASE4_VALID_LIFETIME", std::to_string(lease.valid_lifetime_s));
  put(env, "LEASE4_CLIENT_ID", to_hex_colon(lease.client_id));
}

// The relay agent information option and its circuit-id (1) and remote-id
// (2) sub-options, as Kea names them: QUERY4_OPTION_82,
// QUERY4_OPTION_82_SUB_OPTION_1, QUERY4_OPTION_82_SUB_OPTION_2.
void put_agent_options(Env& env, const wire::Packet& query) {
  const wire::Option* agent = query.find(wire::opt::kRelayAgentInfo);
  if (agent == nullptr || agent->data.empty()) return;
  put(env, "QUERY4_OPTION_82", kea_hex(agent->data));
  const std::span<const uint8_t> data = agent->data;
  for (size_t at = 0; at + 2 <= data.size();) {
    const uint8_t code = data[at];
    const size_t length = data[at + 1];
    if (at + 2 + length > data.size()) break;
    if ((code == 1 || code == 2) && length > 0) {
      put(env, fmt::format("QUERY4_OPTION_82_SUB_OPTION_{}", code),
          kea_hex(data.subspan(at + 2, length)));
    }
    at += 2 + length;
  }
}

void put_query(Env& env, const ScriptEvent& event, const wire::Packet& query,
               wire::MessageType type) {
  const bool relayed = !query.giaddr.is_zero();
  const HwAddr chaddr = query.hw_address();
  HwAddr local;
  local.length = 6;
  std::copy(event.interface_mac.begin(), event.interface_mac.end(), local.bytes.begin());
  put(env, "QUERY4_TYPE", kea_message_name(type));
  put(env, "QUERY4_TXID", std::to_string(query.xid));
  put(env, "QUERY4_LOCAL_ADDR", to_string(event.interface_address));
  put(env, "QUERY4_LOCAL_PORT", "67");
  put(env, "QUERY4_REMOTE_ADDR", to_string(event.query.source));
  put(env, "QUERY4_REMOTE_PORT", std::to_string(event.query.source_port));
  put(env, "QUERY4_IFACE_INDEX", std::to_string(event.query.ifindex));
  put(env, "QUERY4_IFACE_NAME", event.interface_name);
  put(env, "QUERY4_HOPS", std::to_string(query.hops));
  put(env, "QUERY4_SECS", std::to_string(query.secs));
  put(env, "QUERY4_FLAGS", std::to_string(query.flags));
  put(env, "QUERY4_CIADDR", to_string(query.ciaddr));
  put(env, "QUERY4_SIADDR", to_string(query.siaddr));
  put(env, "QUERY4_YIADDR", to_string(query.yiaddr));
  put(env, "QUERY4_GIADDR", to_string(query.giaddr));
  put(env, "QUERY4_RELAYED", relayed ? "true" : "false");
  put_hw(env, "QUERY4_HWADDR", chaddr.empty() ? nullptr : &chaddr);
  put_hw(env, "QUERY4_LOCAL_HWADDR", &local);
  // The frame's source MAC is the client's own only when no relay is
  // involved; blackstart does not keep the frame header, so a relayed
  // query leaves it empty as Kea does for an unknown address.
  put_hw(env, "QUERY4_REMOTE_HWADDR", relayed || chaddr.empty() ? nullptr : &chaddr);
  put_agent_options(env, query);
}

void put_subnet(Env& env, const ScriptEvent& event) {
  if (event.subnet_id == 0) {
    for (const char* name :
         {"SUBNET4_ID", "SUBNET4_NAME", "SUBNET4_PREFIX", "SUBNET4_PREFIX_LEN"}) {
      put(env, name, "");
    }
    return;
  }
  const std::string prefix = to_string(event.subnet_prefix);
  put(env, "SUBNET4_ID", std::to_string(event.subnet_id));
  put(env, "SUBNET4_NAME", fmt::format("{}/{}", prefix, event.subnet_prefix_len));
  put(env, "SUBNET4_PREFIX", prefix);
  put(env, "SUBNET4_PREFIX_LEN", std::to_string(event.subnet_prefix_len));
}

bool same_client(const Lease& a, const Lease& b) {
  if (!a.client_id.empty() || !b.client_id.empty()) return a.client_id == b.client_id;
  return !a.hw_address.empty() && a.hw_address == b.hw_address;
}

ScriptCall renew_call(const ScriptEvent& event, const wire::Packet& query, const Lease& lease) {
  ScriptCall call{.hook = "lease4_renew", .env = {}};
  put_query(call.env, event, query, wire::MessageType::Request);
  put_subnet(call.env, event);
  const wire::Option* id = query.find(wire::opt::kClientId);
  put(call.env, "PKT4_CLIENT_ID", id != nullptr ? to_hex_colon(id->data) : "");
  const HwAddr chaddr = query.hw_address();
  put_hw(call.env, "PKT4_HWADDR", chaddr.empty() ? nullptr : &chaddr);
  put_lease(call.env, lease);
  return call;
}

// Kea's leases4_committed: the granted leases as LEASES4_AT<i>_*, the ones
// the client lost as DELETED_LEASES4_AT<i>_*. A change is one address, so
// the client's old address (if it moved) is not among them.
ScriptCall committed_call(const ScriptEvent& event, const wire::Packet& query, const Lease& lease) {
  ScriptCall call{.hook = "leases4_committed", .env = {}};
  put_query(call.env, event, query, wire::MessageType::Request);
  put(call.env, "LEASES4_SIZE", "1");
  Env lease_env;
  put_lease(lease_env, lease);
  for (std::string& entry : lease_env) {
    // "LEASE4_ADDRESS=..." -> "LEASES4_AT0_ADDRESS=..."
    call.env.push_back("LEASES4_AT0_" + entry.substr(std::string_view("LEASE4_").size()));
  }
  put(call.env, "DELETED_LEASES4_SIZE", "0");
  return call;
}

ScriptCall lease_call(const char* hook, const ScriptEvent& event, const wire::Packet& query,
                      wire::MessageType type, const Lease& lease) {
  ScriptCall call{.hook = hook, .env = {}};
  put_query(call.env, event, query, type);
  put_lease(call.env, lease);
  return call;
}

}  // namespace

std::vector<ScriptCall> script_calls(const ScriptEvent& event) {
  std::vector<ScriptCall> calls;
  auto query = wire::decode(event.query.payload);
  if (!query) return calls;
  const auto type = query->message_type();
  if (!type) return calls;
  const auto& before = event.change.before;
  const auto& after = event.change.after;
  switch (*type) {
    case wire::MessageType::Request:
      if (!after || after->state != LeaseState::Assigned) return calls;
      if (before && before->state == LeaseState::Assigned && same_client(*before, *after)) {
        calls.push_back(renew_call(event, *query, *after));
      }
      calls.push_back(committed_call(event, *query, *after));
      break;
    case wire::MessageType::Release:
      // Kea hands its callout the lease being released, as it was.
      if (before) {
        calls.push_back(
            lease_call("lease4_release", event, *query, wire::MessageType::Release, *before));
      }
      break;
    case wire::MessageType::Decline:
      if (after) {
        calls.push_back(
            lease_call("lease4_decline", event, *query, wire::MessageType::Decline, *after));
      }
      break;
    default:
      break;
  }
  return calls;
}

}  // namespace bs::server
