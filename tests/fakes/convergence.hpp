#pragma once
// What the end-to-end stress tests (crash loop, fault matrix, soak) check once the daemon has settled:
// every person once on each side, paired one-to-one (each contact names its customer), and every last person
// edit made on one side present on the other — or lost to a first-sync conflict the policy settled and
// recorded. Person edits are Shopify first names and HubSpot cities: different fields, so only the first
// sync's pairing of people both sides already knew can make them conflict.

#include "sandbox/sandbox.hpp"

#include <cstddef>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace crmsync::test {

struct person_edits {
    std::map<std::string, std::string> shopify_first_name; // customer id -> the last first name given
    std::map<std::string, std::string> crm_city;           // contact id -> the last city given
    int made = 0;

    // Edits `per_side` random people on each side as a person would (the emulators' own edit paths).
    // `unshared_only`: only people whose e-mail the other side does not have yet — before the first sync has
    // paired everyone, an edit to someone both sides know is a first-sync conflict the policy may settle
    // against it.
    void make(sandbox::sandbox_server& sb, std::mt19937_64& rng, int per_side, bool unshared_only = false);
    std::size_t people() const { return shopify_first_name.size() + crm_city.size(); }
};

struct convergence_report {
    std::size_t customers = 0;
    std::size_t contacts = 0;
    std::size_t unpaired = 0;     // contacts naming no customer, an unknown one, or one already named
    std::size_t paired = 0;       // customers named by exactly one contact
    std::size_t missing = 0;      // last edits not on the other side
    std::size_t unexplained = 0;  // ... of which no recorded first-sync conflict explains
    std::string integrity = "not checked";
    std::string details;          // one line per missing edit, with the link's audit trail

    bool ok(std::size_t people) const
    {
        return customers == people && contacts == people && unpaired == 0 && paired == people && unexplained == 0 &&
               integrity == "ok";
    }
};

// Reads both emulators and the daemon's state file (the daemon must be stopped); with an empty `state_db`
// only the emulators (while the daemon runs: every missing edit then counts as unexplained).
convergence_report check_convergence(sandbox::sandbox_server& sb, const person_edits& edits,
                                     const std::string& state_db);

} // namespace crmsync::test
