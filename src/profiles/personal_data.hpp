#pragma once
// A person's data is kept by many modules; profiles answers for all of it (the export, the
// deletion: docs/architecture.md "Accounts and privacy"). Each module that keeps rows about a
// person reads them itself (`X/personal_data.hpp`, its own SQL): profiles calls those below it
// (auth, notifications, admin, outcomes) and is handed the others by app/ (profiles::Deps), as
// it sits below them.

#include <functional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::profiles {

// A module's rows about the user for their data export: an object of named arrays (each name
// once across modules), merged into the export. As stored: encrypted columns are decrypted by
// the export.
using PersonalDataOf = std::function<Json(pqxx::work& tx, const UserId& user_id)>;

// What a module leaves for after an account's deletion has committed.
struct AfterAccountDeletion {
  // The stored objects (object-store keys) that go with the account besides its photos.
  std::vector<std::string> objects;
  // Run once the rows are gone (not before: a read in between would find them and cache them
  // again), e.g. dropping what a cache still holds about the person for others to see.
  std::function<void()> then;
};

// A module's first step in deleting an account, in the deletion's transaction before the user's
// row goes: it locks the rows its other writers lock before they touch the user's row (their
// foreign keys lock it), so the deletion waits for them instead of deadlocking with them; and it
// says what is left to do after the commit.
using BeforeAccountDeletion = std::function<AfterAccountDeletion(pqxx::work& tx, const UserId& user_id)>;

}  // namespace pm::profiles
