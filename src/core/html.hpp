#pragma once
// Text into HTML: the five characters that could open markup or end an attribute, escaped. For the
// few pages and mails the server writes itself (mail templates, the payment sandbox's page).

#include <string>
#include <string_view>

namespace pm {

std::string html_escape(std::string_view text);

}  // namespace pm
