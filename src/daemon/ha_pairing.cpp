// The daemon's side of an HA pair (ha_pairing.h).
#include "daemon/ha_pairing.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/partner_tcp.h"

namespace bs::daemon {

tl::expected<std::unique_ptr<HaPairing>, std::string> HaPairing::attach(
    const config::Config& config, const std::string& lease_file, server::Server& server,
    const Clock& clock) {
  if (!config.ha) return std::unique_ptr<HaPairing>();
  const ha::HaConfig& ha = *config.ha;
  std::string path = ha.state_file;
  if (path.empty()) {
    if (lease_file.empty()) {
      return tl::unexpected(std::string(
          "libdhcp_ha: set \"blackstart-state-file\" (no lease file to keep the HA state beside)"));
    }
    path = lease_file + ".ha";
  }
  auto loaded = ha::load_state_file(path);
  if (!loaded) return tl::unexpected("cannot read the HA state: " + loaded.error());
  const ha::Peer& self = ha.self();
  const ha::Peer& partner = ha.partner();
  auto link =
      server::PartnerTcpLink::open(self.address, self.port, partner.address, partner.port, clock);
  if (!link) return tl::unexpected(link.error());
  std::unique_ptr<HaPairing> pairing(new HaPairing(path, server));
  pairing->saved_ = *loaded;
  // The resync journal beside the state file. A new one reaches back only
  // past the numbers the state file has seen given out, and never to 0:
  // leases the store held before the pair existed reach the partner by a
  // full dump at the first meeting.
  auto journal = ha::Journal::open(path + ".journal", ha::kJournalEntries,
                                   std::max<uint64_t>(loaded->persisted.own_sequence, 1));
  if (!journal) return tl::unexpected("cannot open the HA journal: " + journal.error());
  server.attach_partner(std::move(*link), ha, ha::restore_after_start(*loaded));
  server.partner()->pair().skip_sequence_past(journal->base());
  server.partner()->set_journal(std::move(*journal));
  // Reserve the first block before any number of it is used.
  if (!pairing->save()) return tl::unexpected("cannot write the HA state file " + path);
  spdlog::info("HA: {} ({}) paired with {} at {}:{}, {}, state file {}", self.name,
               ha::to_string(self.role), partner.name, to_string(partner.address), partner.port,
               ha::to_string(ha.mode), path);
  return pairing;
}

bool HaPairing::save() {
  const ha::PairState& pair = server_.partner()->pair();
  ha::StateFile next;
  next.persisted = pair.persisted();
  next.sequence_reserved_until = pair.own_sequence() + ha::kSequenceBlock;
  if (auto saved = ha::save_state_file(path_, next); !saved) {
    spdlog::error("HA: {}", saved.error());
    return false;
  }
  saved_ = next;
  return true;
}

void HaPairing::after_batch() {
  const ha::PairState& pair = server_.partner()->pair();
  // Half the block left: write the next one while there is room to retry.
  if (pair.own_sequence() + ha::kSequenceBlock / 2 > saved_.sequence_reserved_until ||
      pair.state() != saved_.persisted.last_state) {
    save();
  }
}

void HaPairing::save_on_stop() { save(); }

}  // namespace bs::daemon
