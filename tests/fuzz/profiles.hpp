// Settings profiles of the differential fuzzer.
//
// .rodata settings (reply_enabled, reply_ttl, max_ext_hdrs) are frozen at
// load time, so each profile is its own loaded program with its own maps.
// A profile is described once, as the model's Settings; the same values are
// written into that program's maps (differential.cpp), so the model and the
// program can never be told different things.
//
// Input format (fuzz target, replay driver, corpus files): byte 0 selects
// the profile (modulo kProfileCount), the remaining bytes are the frame.
// Profiles are append-only for the same reason reasons are: a corpus file's
// first byte must keep meaning the same profile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rate_limits.hpp"
#include "model/model.hpp"

namespace icmpguard::fuzz {

struct Profile {
    std::string name;
    model::Settings settings;
    // Written with the policy when settings.limiter_on (PolicyWriter::apply
    // with &limits); the exemptions are already in settings.policy's
    // IG_RULE_F_NO_LIMIT bits, so limits.exempt stays all zero.
    RateLimits limits;
};

inline constexpr unsigned kProfileCount = 10;
// The profiles the first corpus was generated over (seed_gen's gen_ files
// keep their bytes by drawing their selector modulo this).
inline constexpr unsigned kLimiterFreeProfiles = 8;

// The profiles, in selector order. Deterministic: the randomized policy and
// the extra addresses come from fixed seeds, so a saved input reproduces.
const std::vector<Profile>& profiles();

// Selector byte -> profile index.
inline unsigned profile_index(uint8_t selector) { return selector % kProfileCount; }

}  // namespace icmpguard::fuzz
