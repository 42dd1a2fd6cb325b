#pragma once

// Cases that describe one fault in many words, among others that don't:
// what the spike detector must group (check 19). Shared by the detector, the
// spike service and the end-to-end tests.

#include <array>

namespace swarmbot::testing::wordings {

// The wordings of check 19's Take-Out cases: five subjects and three
// descriptions of one fault, posted 36 in a row, then ten other complaints.
inline constexpr std::array<const char*, 5> kFeastSubjects{
    "FEAST25 code rejected at checkout", "Discount code FEAST25 not working",
    "FEAST25 says invalid code at checkout", "Can't use FEAST25 discount at checkout",
    "FEAST25 promo code fails when paying"};
inline constexpr std::array<const char*, 3> kFeastDescriptions{
    "I entered the FEAST25 discount code at checkout and it said the code is invalid.",
    "The discount code FEAST25 fails at checkout with an error, no discount applied.",
    "Checkout rejects my FEAST25 code, the discount is not applied to my order."};
inline constexpr std::array<std::array<const char*, 2>, 10> kOtherComplaints{{
    {"Order arrived late", "My delivery was 50 minutes late and the food was cold."},
    {"Refund for missing fries", "The fries were missing from my order, I want a refund."},
    {"Driver could not find my house", "The courier called three times and then left."},
    {"Wrong restaurant order", "I got someone else's pizza instead of my sushi."},
    {"Refund not received", "I was promised a refund a week ago and it hasn't come."},
    {"Late delivery again", "Third time this week the order is more than 30 minutes late."},
    {"Card charged twice", "My card was charged two times for one order."},
    {"App crashes on login", "The app closes itself when I try to sign in."},
    {"Restaurant closed early", "The restaurant cancelled my order because it closed."},
    {"Cold food complaint", "Everything was cold when it arrived, I want my money back."},
}};

// Another fault in other words: a payment error code, six subjects and three
// descriptions, among complaints about cards and payments that are not it.
inline constexpr std::array<const char*, 6> kDeclineSubjects{
    "Card payment fails with error E4012",    "Error E4012 when paying by card",
    "App shows E4012 and won't take my card", "Payment declined, code E4012",
    "E4012 at the last step of the order",    "Cannot pay: E4012 every time"};
inline constexpr std::array<const char*, 3> kDeclineDescriptions{
    "I tried to pay for my order with my Visa card and got error E4012.",
    "Each time I press Pay the app says E4012 and nothing is charged.",
    "The payment page stops with E4012, I tried two different cards."};
inline constexpr std::array<std::array<const char*, 2>, 10> kOtherPaymentComplaints{{
    {"Card charged twice", "My card was charged two times for a single order."},
    {"Refund to my card not received", "The refund for my cancelled order never reached my card."},
    {"Payment page very slow", "The payment page takes a minute to load."},
    {"Driver was rude", "The driver shouted at me at the door."},
    {"Wrong item delivered", "I ordered a burger and got a salad."},
    {"Cannot update card details", "The app won't let me save a new card in my account."},
    {"Promo code question", "Is there a discount for first orders?"},
    {"Late order", "My order came an hour late."},
    {"Charged for cancelled order", "I cancelled but my card was still charged."},
    {"App login error", "The app shows an error when I log in."},
}};

}  // namespace swarmbot::testing::wordings
