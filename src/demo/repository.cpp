#include "demo/repository.hpp"

namespace pm::demo::repository {

void make_premium(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params(
      "UPDATE subscription_details SET plan_type = 'premium', payment_status = 'active', start_date = now(), "
      "end_date = now() + interval '1 year' WHERE user_id = $1",
      user_id);
}

}  // namespace pm::demo::repository
