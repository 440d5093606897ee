// What the daemon wires (see each module's header for the why):
//   FleetReporter      MQTT session: status/LWT, vrrp/lvs state, events, config/set in, split-brain alarm
//   ConfigDelivery     verify -> store -> apply -> confirm -> rollback; signed rollback requests
//   modelValidator     config-model checks for pushed configs
//   SmtpAlerter        keepalived-style smtp_alert mails, never blocking
export { FleetReporter, type ConfigResult, type FleetEvent, type LvsSnapshot, type ReporterOptions, type ReporterStats, type VrrpSnapshot } from "./reporter.ts";
export { ConfigDelivery, configReceiver, modelValidator, type DeliveryOptions, type KnownConfig } from "./config-delivery.ts";
export { realServerAlert, SmtpAlerter, smtpSettings, syncGroupAlert, virtualServerAlert, vrrpAlert } from "./smtp-alerts.ts";
export { Topics } from "./topics.ts";
