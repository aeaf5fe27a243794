// The engine operations behind the control API's lease4-add/update/del/wipe.
// They follow the same detach -> change -> attach protocol as the DHCP
// operations, and they leave any displaced offer in the slot's undo log, so a
// failed commit is undone by Engine::revert exactly like a failed DHCP batch.
#include "alloc/engine.h"
#include "alloc/engine_state.h"
#include "common/assert.h"

namespace bs::alloc {

LeaseChange Engine::put_lease(const Lease& lease, int64_t now_s) {
  BS_ASSERT(!lease.address.is_zero());
  BS_ASSERT(lease.state != LeaseState::Offered);
  return state_->replace_row(lease.address.value, lease, now_s);
}

void Engine::amend_row(const Lease& lease) { state_->amend_row(lease.address.value, lease); }

tl::expected<LeaseChange, AllocError> Engine::remove_lease(Ip4 address, int64_t now_s) {
  State& state = *state_;
  const Slot* existing = state.find_slot(address.value);
  if (existing == nullptr || !existing->has_row) return tl::unexpected(AllocError::NoLease);
  Slot& slot = state.find_or_detach(address.value);
  LeaseChange change{address, slot.row, std::nullopt};
  // As in replace_row: park the offer so that revert can hold it again.
  if (slot.offer || (slot.undo && !slot.undo->offers.empty())) {
    if (!slot.undo) slot.undo = std::make_unique<UndoLog>();
    slot.undo->offers.push_back(std::move(slot.offer));
    slot.undo->until_s = now_s + kUndoKeep_s;
  }
  slot.offer.reset();
  slot.has_row = false;
  state.attach(address.value, slot);
  return change;
}

const Lease* Engine::find_row(Ip4 address) const {
  const Slot* slot = state_->find_slot(address.value);
  return slot != nullptr && slot->has_row ? &slot->row : nullptr;
}

void Engine::for_each_row(const std::function<void(const Lease&)>& visit) const {
  state_->slots.for_each([&](const Slot& slot) {
    if (slot.has_row) visit(slot.row);
  });
}

}  // namespace bs::alloc
