//! Reachability answers in plain words, for officers: why a recipient can
//! or cannot receive secure digital mail, and what happens then.

use kuvert_protocol::soap::Reachability;

/// A plain Swedish explanation of a reachability answer, for officers.
pub fn reachability_swedish(reachability: &Reachability, sender: &str) -> String {
    match reachability {
        Reachability::Digital { operator } => {
            format!("Kan ta emot digital post ({operator})")
        }
        Reachability::NotRegistered => {
            "Har ingen digital brevlåda för säker post. Skicka brevet på papper.".to_string()
        }
        Reachability::RegistrationPending => {
            "Har börjat skaffa en digital brevlåda men är inte klar. Skicka brevet på papper."
                .to_string()
        }
        Reachability::SenderNotAccepted => format!(
            "Har en digital brevlåda men tar inte emot post från {sender}. Skicka brevet på papper."
        ),
    }
}

/// A plain English explanation of a reachability answer.
pub fn reachability_english(reachability: &Reachability, sender: &str) -> String {
    match reachability {
        Reachability::Digital { operator } => format!("Can receive digital mail ({operator})"),
        Reachability::SenderNotAccepted => format!(
            "Has a digital mailbox but has not accepted mail from {sender}. Send the letter on paper."
        ),
        other => format!("{}. Send the letter on paper.", capitalised(&other.to_string())),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
