#include "demo/names.hpp"

namespace pm::demo {

namespace {

constexpr std::string_view kWomen[] = {
    "Olivia", "Emma",  "Amelia", "Sophia",   "Isabella", "Mia",    "Charlotte", "Ava",      "Harper",    "Evelyn",
    "Chloe",  "Léa",   "Manon",  "Camille",  "Inès",     "Lucía",  "Sofía",     "Martina",  "Valentina", "Elena",
    "Hannah", "Lena",  "Marie",  "Anna",     "Emilia",   "Freya",  "Aoife",     "Siobhan",  "Niamh",     "Priya",
    "Ananya", "Aisha", "Fatima", "Layla",    "Zara",     "Mei",    "Yuki",      "Hana",     "Ji-woo",    "Nadia",
    "Grace",  "Zoe",   "Naomi",  "Maya",     "Ruth",     "Esther", "Amara",     "Chiamaka", "Isla",      "Ruby",
    "Ingrid", "Sanne", "Femke",  "Gabriela", "Beatriz",  "Olga",   "Katarzyna", "Leila",    "Tamar",     "Rosa",
};

constexpr std::string_view kMen[] = {
    "Liam",   "Noah",   "Oliver",     "James",   "Elijah",  "William", "Henry",   "Lucas",  "Benjamin", "Theodore",
    "Jack",   "Leo",    "Louis",      "Gabriel", "Hugo",    "Arthur",  "Mateo",   "Álvaro", "Pablo",    "Javier",
    "Lukas",  "Felix",  "Maximilian", "Jonas",   "Paul",    "Finn",    "Cian",    "Oisín",  "Darragh",  "Arjun",
    "Rohan",  "Omar",   "Yusuf",      "Ibrahim", "Karim",   "Wei",     "Hiroshi", "Kenji",  "Min-jun",  "Mateus",
    "Samuel", "Daniel", "David",      "Isaac",   "Ethan",   "Caleb",   "Chidi",   "Kwame",  "Tobias",   "Sander",
    "Daan",   "Bram",   "Diego",      "Rafael",  "Andrzej", "Dmitri",  "Nikolai", "Aaron",  "Elias",    "Marco",
};

constexpr std::string_view kNeutral[] = {
    "Alex",    "Sam",    "Jordan", "Taylor", "Riley",   "Casey", "Morgan", "Jamie", "Avery", "Quinn",
    "Rowan",   "Sage",   "River",  "Skyler", "Charlie", "Robin", "Kai",    "Noa",   "Ari",   "Eden",
    "Emerson", "Finley", "Hayden", "Jules",  "Remy",    "Sasha", "Luca",   "Nico",  "Ash",   "Blake",
};

}  // namespace

std::span<const std::string_view> women_names() { return kWomen; }
std::span<const std::string_view> men_names() { return kMen; }
std::span<const std::string_view> neutral_names() { return kNeutral; }

}  // namespace pm::demo
