//! A forger: signs any element of any document the way an attacker with a
//! key would, so that the tests can build documents whose signatures are
//! mathematically correct yet cover the wrong thing.

use base64::Engine;
use kuvert_protocol::xml::c14n::{self, Algorithm, Subset};
use kuvert_protocol::xml::{parse, Element};
use kuvert_testpki::CertifiedKey;
use openssl::hash::{hash, MessageDigest};
use openssl::sign::Signer;

/// Where [`forge`] puts the signature: this comment, in the document text.
pub const HERE: &str = "<!--SIGNATURE-->";

const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// What the forged signature covers and carries.
pub struct Forgery<'a> {
    /// The Reference URI.
    pub uri: &'a str,
    /// The element whose digest is taken (`None`: the whole document).
    pub digest_of: Option<&'a dyn Fn(&Element) -> bool>,
    /// Whether the enveloped-signature transform is listed.
    pub enveloped: bool,
    /// Further children of ds:Signature after KeyInfo (e.g. a ds:Object).
    pub extra: &'a str,
}

impl Default for Forgery<'_> {
    fn default() -> Self {
        Forgery {
            uri: "",
            digest_of: None,
            enveloped: true,
            extra: "",
        }
    }
}

/// `document` with an RSA-SHA256 signature by `key` at [`HERE`].
pub fn forge(document: &str, key: &CertifiedKey, forgery: &Forgery<'_>) -> String {
    assert!(document.contains(HERE), "no place for the signature");
    // The parser drops the comment: the digest is over the document as it
    // is without the signature, which is what the enveloped transform gives.
    let doc = parse(document).unwrap();
    let canonical = match forgery.digest_of {
        None => c14n::document(&doc, &Algorithm::exclusive(), &Subset::default()),
        Some(predicate) => {
            let (target, inherited) = doc.root.find_with_scope(predicate).unwrap();
            c14n::subtree(
                target,
                &inherited,
                &Algorithm::exclusive(),
                &Subset::default(),
            )
        }
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let digest = b64.encode(hash(MessageDigest::sha256(), &canonical).unwrap());
    let transforms = format!(
        "{}<ds:Transform Algorithm=\"{EXC}\"></ds:Transform>",
        if forgery.enveloped {
            format!("<ds:Transform Algorithm=\"{ENVELOPED}\"></ds:Transform>")
        } else {
            String::new()
        }
    );
    let signed_info = |ns: &str| {
        format!(
            "<ds:SignedInfo{ns}><ds:CanonicalizationMethod Algorithm=\"{EXC}\"></ds:CanonicalizationMethod>\
             <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"></ds:SignatureMethod>\
             <ds:Reference URI=\"{uri}\"><ds:Transforms>{transforms}</ds:Transforms>\
             <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></ds:DigestMethod>\
             <ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
            uri = forgery.uri
        )
    };
    let mut signer = Signer::new(MessageDigest::sha256(), &key.key().unwrap()).unwrap();
    let value = b64.encode(
        signer
            .sign_oneshot_to_vec(signed_info(&format!(" xmlns:ds=\"{DS}\"")).as_bytes())
            .unwrap(),
    );
    let certificate = b64.encode(key.cert_der().unwrap());
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DS}\">{}<ds:SignatureValue>{value}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>{}</ds:Signature>",
        signed_info(""),
        forgery.extra
    );
    document.replacen(HERE, &signature, 1)
}
