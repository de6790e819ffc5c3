import type { CertificateHealthView } from "./backend/types";
import { t, type Lang } from "./i18n";

/** The header's warning about the organisation's certificate: days left, or that it is no longer valid. */
export function certificateWarning(lang: Lang, certificate: CertificateHealthView): string {
  if (certificate.check === "ca_bundle") {
    return certificate.health === "problem" ? t(lang, "certificate.caInvalid") : t(lang, "certificate.caExpiresIn", { days: certificate.days_left });
  }
  if (certificate.health === "problem") return t(lang, "certificate.invalid");
  return certificate.days_left === 1
    ? t(lang, "certificate.expiresTomorrow")
    : t(lang, "certificate.expiresIn", { days: certificate.days_left });
}

/** 7 days or fewer, or not valid: shown as urgent. */
export function certificateUrgent(certificate: CertificateHealthView): boolean {
  return certificate.health === "problem" || certificate.days_left <= 7;
}
