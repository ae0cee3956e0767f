// Agency sections of a joint inspection (docs/protocol.md "Agency
// sections"): each agency's finding, and the police's persons questioned,
// sealed so that only that agency's tablets and the hub can read them.
//
// A tablet seals when it saves an office sweep; the hub and the tablets
// open what they hold a key for. Each agency's key pair is derived by the
// hub from its own box key, so the hub can always open every section.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/sync/crypto.h"
#include "sweep/v1/record.pb.h"

namespace sweep::sync::sections {

// The agencies of a joint inspection, as named in records and enrollments.
inline constexpr std::string_view kAgencies[] = {"police", "market_regulation", "tax",
                                                 "commerce"};
bool IsAgency(std::string_view agency);

// Agency → X25519 public key.
using PublicKeys = std::map<std::string, std::array<uint8_t, crypto::kBoxPublicKeySize>>;
// Agency → X25519 secret key (not owned).
using SecretKeys = std::map<std::string, const crypto::SecretBuffer*>;

// The hub's key pair for `agency`: X25519 from the seed
// BLAKE2b-256(key = hub box secret key, "sweep.agency.v1|" ‖ agency).
crypto::BoxKeyPair DeriveAgencyKey(const crypto::SecretBuffer& hub_box_sk,
                                   std::string_view agency);

// Seals an office sweep's agency parts into `sweep.sections`: each finding
// into its agency's section; `persons` and the record's checks of them
// ("persons[…") into the police section; `notes` into `recording_agency`'s.
// Those fields are cleared. Sections already in `sweep` (kept from an
// earlier version this tablet could not open) stay as they are, unless this
// save has a part of the same agency, which then replaces them.
// InvalidArgument for an unknown agency or one without a key. Does nothing
// for other record kinds.
Status Seal(v1::Record* record, std::string_view recording_agency, const PublicKeys& keys);

// Opens every section of `record` it holds a key for, moving its contents
// back into findings, persons, notes and validation; the sections opened
// are removed, the others stay sealed. Returns how many stay sealed.
// Corruption when a section does not open under its agency's key (altered,
// or sealed to another key): names the agency, and `record` is unchanged.
Result<size_t> Open(v1::Record* record, const SecretKeys& keys);

// The view of `sweep` an agency's tablet may have: the shared company and
// premises facts (no follow-up, no attachments), and that agency's section
// only, sealed to `agency_pk`. `sweep` must be open (the hub's view).
v1::OfficeSweep SharedView(const v1::OfficeSweep& sweep, const v1::Record& record,
                           std::string_view agency, crypto::ByteView agency_pk);

}  // namespace sweep::sync::sections
