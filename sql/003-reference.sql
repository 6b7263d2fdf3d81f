-- SPDX-License-Identifier: MIT
-- Reference data for the views: ShowMojo's time-zone names mapped to IANA
-- zones, the published action list with a category and a meaning for each,
-- and the small functions the views and example queries share.  Names are
-- unqualified: "migrate" runs this with the schema first on search_path.
BEGIN;

-- Time zones.  ShowMojo sends showing_time_zone as a Ruby on Rails name
-- ("Eastern Time (US & Canada)").  Local time is always computed through
-- the IANA zone, so that daylight saving time comes out right; the numeric
-- showing_time_zone_utc_offset is never used for it.
CREATE TABLE time_zones (
	name		text PRIMARY KEY,
	zone		text NOT NULL,
	rails_zone	text,
	in_rails	boolean NOT NULL,
	in_reference	boolean NOT NULL,
	note		text
);
COMMENT ON TABLE time_zones IS
    'Rails time-zone names (as ShowMojo sends them) and the IANA zone each stands for.';
COMMENT ON COLUMN time_zones.name IS
    'The name as sent in showing_time_zone.';
COMMENT ON COLUMN time_zones.zone IS
    'The IANA zone local times are computed in: Rails'' own identifier, or the zone it is an alias of.';
COMMENT ON COLUMN time_zones.rails_zone IS
    'The identifier Rails maps the name to (current Rails; for an old spelling, the Rails that had it); NULL when not a Rails name.';
COMMENT ON COLUMN time_zones.in_rails IS
    'A key of ActiveSupport::TimeZone::MAPPING in current Rails.';
COMMENT ON COLUMN time_zones.in_reference IS
    'Listed in ShowMojo''s webhook documentation.';

INSERT INTO time_zones (name, zone, rails_zone, in_rails, in_reference, note)
VALUES
	('International Date Line West', 'Etc/GMT+12', 'Etc/GMT+12', true, true,
	    'Older Rails said Pacific/Midway (UTC-11); now UTC-12.'),
	('Midway Island', 'Pacific/Midway', 'Pacific/Midway', true, true, NULL),
	('American Samoa', 'Pacific/Pago_Pago', 'Pacific/Pago_Pago', true, true, NULL),
	('Hawaii', 'Pacific/Honolulu', 'Pacific/Honolulu', true, true, NULL),
	('Alaska', 'America/Juneau', 'America/Juneau', true, true, NULL),
	('Pacific Time (US & Canada)', 'America/Los_Angeles', 'America/Los_Angeles', true, true, NULL),
	('Tijuana', 'America/Tijuana', 'America/Tijuana', true, true, NULL),
	('Mountain Time (US & Canada)', 'America/Denver', 'America/Denver', true, true, NULL),
	('Arizona', 'America/Phoenix', 'America/Phoenix', true, true, NULL),
	('Chihuahua', 'America/Chihuahua', 'America/Chihuahua', true, true, NULL),
	('Mazatlan', 'America/Mazatlan', 'America/Mazatlan', true, true, NULL),
	('Central Time (US & Canada)', 'America/Chicago', 'America/Chicago', true, true, NULL),
	('Saskatchewan', 'America/Regina', 'America/Regina', true, true, NULL),
	('Guadalajara', 'America/Mexico_City', 'America/Mexico_City', true, true, NULL),
	('Mexico City', 'America/Mexico_City', 'America/Mexico_City', true, true, NULL),
	('Monterrey', 'America/Monterrey', 'America/Monterrey', true, true, NULL),
	('Central America', 'America/Guatemala', 'America/Guatemala', true, true, NULL),
	('Eastern Time (US & Canada)', 'America/New_York', 'America/New_York', true, true, NULL),
	('Indiana (East)', 'America/Indiana/Indianapolis', 'America/Indiana/Indianapolis', true, true, NULL),
	('Bogota', 'America/Bogota', 'America/Bogota', true, true, NULL),
	('Lima', 'America/Lima', 'America/Lima', true, true, NULL),
	('Quito', 'America/Lima', 'America/Lima', true, true, NULL),
	('Atlantic Time (Canada)', 'America/Halifax', 'America/Halifax', true, true, NULL),
	('Caracas', 'America/Caracas', 'America/Caracas', true, true, NULL),
	('La Paz', 'America/La_Paz', 'America/La_Paz', true, true, NULL),
	('Santiago', 'America/Santiago', 'America/Santiago', true, true, NULL),
	('Newfoundland', 'America/St_Johns', 'America/St_Johns', true, true, NULL),
	('Brasilia', 'America/Sao_Paulo', 'America/Sao_Paulo', true, true, NULL),
	('Buenos Aires', 'America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires', true, true, NULL),
	('Montevideo', 'America/Montevideo', 'America/Montevideo', true, false, NULL),
	('Georgetown', 'America/Guyana', 'America/Guyana', true, true,
	    'Rails 2 said America/Argentina/San_Juan; Georgetown is Guyana.'),
	('Puerto Rico', 'America/Puerto_Rico', 'America/Puerto_Rico', true, false, NULL),
	('Greenland', 'America/Nuuk', 'America/Nuuk', true, true,
	    'Older Rails said America/Godthab, the old name of America/Nuuk.'),
	('Mid-Atlantic', 'Atlantic/South_Georgia', 'Atlantic/South_Georgia', true, true, NULL),
	('Azores', 'Atlantic/Azores', 'Atlantic/Azores', true, true, NULL),
	('Cape Verde Is.', 'Atlantic/Cape_Verde', 'Atlantic/Cape_Verde', true, true, NULL),
	('Dublin', 'Europe/Dublin', 'Europe/Dublin', true, true, NULL),
	('Edinburgh', 'Europe/London', 'Europe/London', true, true,
	    'Older Rails said Europe/Dublin.'),
	('Lisbon', 'Europe/Lisbon', 'Europe/Lisbon', true, true, NULL),
	('London', 'Europe/London', 'Europe/London', true, true, NULL),
	('Casablanca', 'Africa/Casablanca', 'Africa/Casablanca', true, true, NULL),
	('Monrovia', 'Africa/Monrovia', 'Africa/Monrovia', true, true, NULL),
	('UTC', 'Etc/UTC', 'Etc/UTC', true, true, NULL),
	('Belgrade', 'Europe/Belgrade', 'Europe/Belgrade', true, true, NULL),
	('Bratislava', 'Europe/Prague', 'Europe/Bratislava', true, true,
	    'Europe/Bratislava is an alias of Europe/Prague in the tz database.'),
	('Budapest', 'Europe/Budapest', 'Europe/Budapest', true, true, NULL),
	('Ljubljana', 'Europe/Ljubljana', 'Europe/Ljubljana', true, true, NULL),
	('Prague', 'Europe/Prague', 'Europe/Prague', true, true, NULL),
	('Sarajevo', 'Europe/Sarajevo', 'Europe/Sarajevo', true, true, NULL),
	('Skopje', 'Europe/Skopje', 'Europe/Skopje', true, true, NULL),
	('Warsaw', 'Europe/Warsaw', 'Europe/Warsaw', true, true, NULL),
	('Zagreb', 'Europe/Zagreb', 'Europe/Zagreb', true, true, NULL),
	('Brussels', 'Europe/Brussels', 'Europe/Brussels', true, true, NULL),
	('Copenhagen', 'Europe/Copenhagen', 'Europe/Copenhagen', true, true, NULL),
	('Madrid', 'Europe/Madrid', 'Europe/Madrid', true, true, NULL),
	('Paris', 'Europe/Paris', 'Europe/Paris', true, true, NULL),
	('Amsterdam', 'Europe/Amsterdam', 'Europe/Amsterdam', true, true, NULL),
	('Berlin', 'Europe/Berlin', 'Europe/Berlin', true, true, NULL),
	('Bern', 'Europe/Zurich', 'Europe/Zurich', true, true,
	    'Older Rails said Europe/Berlin.'),
	('Zurich', 'Europe/Zurich', 'Europe/Zurich', true, false, NULL),
	('Rome', 'Europe/Rome', 'Europe/Rome', true, true, NULL),
	('Stockholm', 'Europe/Stockholm', 'Europe/Stockholm', true, true, NULL),
	('Vienna', 'Europe/Vienna', 'Europe/Vienna', true, true, NULL),
	('West Central Africa', 'Africa/Algiers', 'Africa/Algiers', true, true, NULL),
	('Bucharest', 'Europe/Bucharest', 'Europe/Bucharest', true, true, NULL),
	('Cairo', 'Africa/Cairo', 'Africa/Cairo', true, true, NULL),
	('Helsinki', 'Europe/Helsinki', 'Europe/Helsinki', true, true, NULL),
	('Kyiv', 'Europe/Kyiv', 'Europe/Kyiv', true, true,
	    'Older Rails said Europe/Kiev, the old name of Europe/Kyiv.'),
	('Riga', 'Europe/Riga', 'Europe/Riga', true, true, NULL),
	('Sofia', 'Europe/Sofia', 'Europe/Sofia', true, true, NULL),
	('Tallinn', 'Europe/Tallinn', 'Europe/Tallinn', true, true, NULL),
	('Vilnius', 'Europe/Vilnius', 'Europe/Vilnius', true, true, NULL),
	('Athens', 'Europe/Athens', 'Europe/Athens', true, true, NULL),
	('Istanbul', 'Europe/Istanbul', 'Europe/Istanbul', true, true, NULL),
	('Minsk', 'Europe/Minsk', 'Europe/Minsk', true, true, NULL),
	('Jerusalem', 'Asia/Jerusalem', 'Asia/Jerusalem', true, true, NULL),
	('Harare', 'Africa/Harare', 'Africa/Harare', true, true, NULL),
	('Pretoria', 'Africa/Johannesburg', 'Africa/Johannesburg', true, true, NULL),
	('Kaliningrad', 'Europe/Kaliningrad', 'Europe/Kaliningrad', true, false, NULL),
	('Moscow', 'Europe/Moscow', 'Europe/Moscow', true, true, NULL),
	('St. Petersburg', 'Europe/Moscow', 'Europe/Moscow', true, true, NULL),
	('Volgograd', 'Europe/Volgograd', 'Europe/Volgograd', true, true,
	    'Older Rails said Europe/Moscow.'),
	('Samara', 'Europe/Samara', 'Europe/Samara', true, false, NULL),
	('Kuwait', 'Asia/Kuwait', 'Asia/Kuwait', true, true, NULL),
	('Riyadh', 'Asia/Riyadh', 'Asia/Riyadh', true, true, NULL),
	('Nairobi', 'Africa/Nairobi', 'Africa/Nairobi', true, true, NULL),
	('Baghdad', 'Asia/Baghdad', 'Asia/Baghdad', true, true, NULL),
	('Tehran', 'Asia/Tehran', 'Asia/Tehran', true, true, NULL),
	('Abu Dhabi', 'Asia/Muscat', 'Asia/Muscat', true, true, NULL),
	('Muscat', 'Asia/Muscat', 'Asia/Muscat', true, true, NULL),
	('Baku', 'Asia/Baku', 'Asia/Baku', true, true, NULL),
	('Tbilisi', 'Asia/Tbilisi', 'Asia/Tbilisi', true, true, NULL),
	('Yerevan', 'Asia/Yerevan', 'Asia/Yerevan', true, true, NULL),
	('Kabul', 'Asia/Kabul', 'Asia/Kabul', true, true, NULL),
	('Ekaterinburg', 'Asia/Yekaterinburg', 'Asia/Yekaterinburg', true, true, NULL),
	('Islamabad', 'Asia/Karachi', 'Asia/Karachi', true, true, NULL),
	('Karachi', 'Asia/Karachi', 'Asia/Karachi', true, true, NULL),
	('Tashkent', 'Asia/Tashkent', 'Asia/Tashkent', true, true, NULL),
	('Chennai', 'Asia/Kolkata', 'Asia/Kolkata', true, true, NULL),
	('Kolkata', 'Asia/Kolkata', 'Asia/Kolkata', true, true, NULL),
	('Mumbai', 'Asia/Kolkata', 'Asia/Kolkata', true, true, NULL),
	('New Delhi', 'Asia/Kolkata', 'Asia/Kolkata', true, true, NULL),
	('Kathmandu', 'Asia/Kathmandu', 'Asia/Kathmandu', true, true, NULL),
	('Astana', 'Asia/Almaty', 'Asia/Almaty', true, true,
	    'Older Rails said Asia/Dhaka (UTC+6); Kazakhstan is UTC+5 since 2024.'),
	('Dhaka', 'Asia/Dhaka', 'Asia/Dhaka', true, true, NULL),
	('Sri Jayawardenepura', 'Asia/Colombo', 'Asia/Colombo', true, true, NULL),
	('Almaty', 'Asia/Almaty', 'Asia/Almaty', true, true, NULL),
	('Novosibirsk', 'Asia/Novosibirsk', 'Asia/Novosibirsk', true, true, NULL),
	('Rangoon', 'Asia/Yangon', 'Asia/Yangon', true, true,
	    'Older Rails said Asia/Rangoon, the old name of Asia/Yangon.'),
	('Bangkok', 'Asia/Bangkok', 'Asia/Bangkok', true, true, NULL),
	('Hanoi', 'Asia/Bangkok', 'Asia/Bangkok', true, true, NULL),
	('Jakarta', 'Asia/Jakarta', 'Asia/Jakarta', true, true, NULL),
	('Krasnoyarsk', 'Asia/Krasnoyarsk', 'Asia/Krasnoyarsk', true, true, NULL),
	('Beijing', 'Asia/Shanghai', 'Asia/Shanghai', true, true, NULL),
	('Chongqing', 'Asia/Shanghai', 'Asia/Chongqing', true, true,
	    'Asia/Chongqing is an alias of Asia/Shanghai in the tz database.'),
	('Hong Kong', 'Asia/Hong_Kong', 'Asia/Hong_Kong', true, true, NULL),
	('Urumqi', 'Asia/Urumqi', 'Asia/Urumqi', true, true, NULL),
	('Kuala Lumpur', 'Asia/Kuala_Lumpur', 'Asia/Kuala_Lumpur', true, true, NULL),
	('Singapore', 'Asia/Singapore', 'Asia/Singapore', true, true, NULL),
	('Taipei', 'Asia/Taipei', 'Asia/Taipei', true, true, NULL),
	('Perth', 'Australia/Perth', 'Australia/Perth', true, true, NULL),
	('Irkutsk', 'Asia/Irkutsk', 'Asia/Irkutsk', true, true, NULL),
	('Ulaanbaatar', 'Asia/Ulaanbaatar', 'Asia/Ulaanbaatar', true, false, NULL),
	('Seoul', 'Asia/Seoul', 'Asia/Seoul', true, true, NULL),
	('Osaka', 'Asia/Tokyo', 'Asia/Tokyo', true, true, NULL),
	('Sapporo', 'Asia/Tokyo', 'Asia/Tokyo', true, true, NULL),
	('Tokyo', 'Asia/Tokyo', 'Asia/Tokyo', true, true, NULL),
	('Yakutsk', 'Asia/Yakutsk', 'Asia/Yakutsk', true, true, NULL),
	('Darwin', 'Australia/Darwin', 'Australia/Darwin', true, true, NULL),
	('Adelaide', 'Australia/Adelaide', 'Australia/Adelaide', true, true, NULL),
	('Canberra', 'Australia/Melbourne', 'Australia/Melbourne', true, true, NULL),
	('Melbourne', 'Australia/Melbourne', 'Australia/Melbourne', true, true, NULL),
	('Sydney', 'Australia/Sydney', 'Australia/Sydney', true, true, NULL),
	('Brisbane', 'Australia/Brisbane', 'Australia/Brisbane', true, true, NULL),
	('Hobart', 'Australia/Hobart', 'Australia/Hobart', true, true, NULL),
	('Vladivostok', 'Asia/Vladivostok', 'Asia/Vladivostok', true, true, NULL),
	('Guam', 'Pacific/Guam', 'Pacific/Guam', true, true, NULL),
	('Port Moresby', 'Pacific/Port_Moresby', 'Pacific/Port_Moresby', true, true, NULL),
	('Magadan', 'Asia/Magadan', 'Asia/Magadan', true, true, NULL),
	('Srednekolymsk', 'Asia/Srednekolymsk', 'Asia/Srednekolymsk', true, false, NULL),
	('Solomon Is.', 'Pacific/Guadalcanal', 'Pacific/Guadalcanal', true, true,
	    'Older Rails said Asia/Magadan.'),
	('New Caledonia', 'Pacific/Noumea', 'Pacific/Noumea', true, true, NULL),
	('Fiji', 'Pacific/Fiji', 'Pacific/Fiji', true, true, NULL),
	('Kamchatka', 'Asia/Kamchatka', 'Asia/Kamchatka', true, true, NULL),
	('Marshall Is.', 'Pacific/Majuro', 'Pacific/Majuro', true, true, NULL),
	('Auckland', 'Pacific/Auckland', 'Pacific/Auckland', true, true, NULL),
	('Wellington', 'Pacific/Auckland', 'Pacific/Auckland', true, true, NULL),
	('Nuku''alofa', 'Pacific/Tongatapu', 'Pacific/Tongatapu', true, true, NULL),
	('Tokelau Is.', 'Pacific/Fakaofo', 'Pacific/Fakaofo', true, true, NULL),
	('Chatham Is.', 'Pacific/Chatham', 'Pacific/Chatham', true, false, NULL),
	('Samoa', 'Pacific/Apia', 'Pacific/Apia', true, true,
	    'Rails 3 and older said Pacific/Pago_Pago, now "American Samoa"; Samoa is Apia.'),
	-- Spellings of older Rails versions, still sent by accounts set up
	-- with them (ShowMojo's own list has "Ulaan Bataar").
	('Ulaan Bataar', 'Asia/Ulaanbaatar', 'Asia/Ulaanbaatar', false, true,
	    'Older Rails spelling of Ulaanbaatar.'),
	('Kyev', 'Europe/Kyiv', 'Europe/Kiev', false, false,
	    'Older Rails spelling of Kyiv.'),
	-- Other spellings of the same cities; no Rails version has them as
	-- names, they cost nothing and keep such a showing in local time.
	('Kiev', 'Europe/Kyiv', NULL, false, false,
	    'Other spelling of Kyiv; not a Rails name.'),
	('Yangon', 'Asia/Yangon', NULL, false, false,
	    'Current name of Rangoon; not a Rails name.');

-- The IANA zone of a showing_time_zone value: the mapped zone of a known
-- name; else the value itself when it is an IANA Area/Location name that
-- this server knows ("America/Boise"); else NULL.  Other strings are not
-- tried as zones: PostgreSQL would read "UTC+3" as a POSIX rule with the
-- sign reversed.
CREATE FUNCTION showing_zone(p_name text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $fn$
DECLARE
	z	text;
BEGIN
	IF p_name IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT t.zone INTO z FROM time_zones t WHERE t.name = p_name;
	IF FOUND THEN
		RETURN z;
	END IF;
	IF p_name !~ '^[A-Za-z]+(/[A-Za-z0-9_+-]+)+$' THEN
		RETURN NULL;
	END IF;
	BEGIN
		PERFORM now() AT TIME ZONE p_name;
	EXCEPTION WHEN invalid_parameter_value THEN
		RETURN NULL;
	END;
	RETURN p_name;
END
$fn$;
COMMENT ON FUNCTION showing_zone(text) IS
    'IANA zone for a showing_time_zone value (Rails name or IANA name), NULL when unknown.';

-- The actions ShowMojo documents, spelled exactly as it sends them (typos
-- included).  An action missing here is still stored; the views show its
-- category as "unknown".  The meanings are our reading of the names, for
-- a property manager, not ShowMojo's wording.
CREATE TABLE actions (
	action		text PRIMARY KEY,
	category	text NOT NULL CHECK (category IN ('lead', 'scheduling',
	    'confirmation', 'cancellation', 'rescheduling',
	    'self-show/lockbox', 'screening/documents', 'communication',
	    'calls', 'feedback', 'fraud/blacklist', 'other')),
	meaning		text NOT NULL
);
COMMENT ON TABLE actions IS
    'The published ShowMojo event actions, each with a category and a one-line meaning.';

INSERT INTO actions (action, category, meaning) VALUES
	-- Leads: a prospect shows interest.
	('lead_created', 'lead', 'A new lead: a prospect asked about a listing.'),
	('lead_updated', 'lead', 'A lead''s details changed.'),
	('inquired_about_off_market_listing', 'lead', 'A prospect asked about a listing that is off the market.'),
	('inquired_about_multi_unit', 'lead', 'A prospect asked about a multi-unit property.'),
	('do_follow_up', 'lead', 'The lead was marked for follow-up.'),
	('dont_follow_up', 'lead', 'The lead was marked: no follow-up.'),
	('inquired', 'lead', 'The prospect sent an inquiry.'),
	('requested_application_criteria', 'lead', 'The prospect asked for the application criteria.'),
	('requested_availability_notification', 'lead', 'The prospect asked to be told when showing times open up.'),
	('phone_number_changed', 'lead', 'The prospect''s phone number changed.'),
	('lead_created_by_off_market_update_process', 'lead', 'A lead was created when a listing went off the market.'),
	-- Scheduling: a showing is booked, accepted, assigned, changed.
	('create', 'scheduling', 'A showing was booked.'),
	('auto_create_by_sms', 'scheduling', 'A showing was booked from a text-message conversation.'),
	('update', 'scheduling', 'The showing''s details (time, contact, notes) changed.'),
	('accept', 'scheduling', 'The showing request was accepted.'),
	('acceptance_request', 'scheduling', 'The owner or agent was asked to accept the showing request.'),
	('accept_for_everyone', 'scheduling', 'The request was accepted on behalf of everyone who had to approve it.'),
	('accept_for_me', 'scheduling', 'One approver accepted the request for themselves.'),
	('decline', 'scheduling', 'The showing request was declined.'),
	('acceptance_reminder', 'scheduling', 'Reminder: the showing request still waits for acceptance.'),
	('acceptance_reminder_owner_agent', 'scheduling', 'Reminder to the owner or agent to accept the showing request.'),
	('acceptance_reminder_approvers', 'scheduling', 'Reminder to the approvers to accept the showing request.'),
	('assign_unclaimed_showing_to_owner', 'scheduling', 'Nobody claimed the showing, so it went to the owner.'),
	('claim_request', 'scheduling', 'Team members were asked to claim (take) the showing.'),
	('claimed', 'scheduling', 'A team member claimed the showing.'),
	('unclaimed_alert', 'scheduling', 'Alert: nobody has claimed the showing yet.'),
	('prospect_arrived_too_late', 'scheduling', 'The prospect arrived too late for the showing.'),
	-- Confirmation.
	('confirm_request', 'confirmation', 'The prospect was asked to confirm the showing.'),
	('confirm', 'confirmation', 'The showing was confirmed.'),
	('confirm_automatically', 'confirmation', 'The showing was confirmed automatically.'),
	('unconfirm', 'confirmation', 'The confirmation was withdrawn.'),
	-- Cancellation.
	('cancel', 'cancellation', 'The showing was canceled.'),
	('auto_cancel_no_reply', 'cancellation', 'Canceled automatically: the prospect did not answer the confirmation request.'),
	('cancel_notice', 'cancellation', 'A cancellation notice was sent.'),
	('cancel_warning', 'cancellation', 'Warning sent: the showing will be canceled unless confirmed.'),
	('uncancel', 'cancellation', 'A cancellation was undone; the showing is on again.'),
	-- Rescheduling.
	('reschedule_request', 'rescheduling', 'The prospect was asked to pick a new time.'),
	('emergency_reschedule_request', 'rescheduling', 'Urgent request to move the showing (the showing side cannot make it).'),
	('decline_proposed_times', 'rescheduling', 'The proposed times were declined.'),
	('proposed_times', 'rescheduling', 'Other showing times were proposed.'),
	('proposed_times_accpt_request_sent', 'rescheduling', 'The prospect was asked to accept one of the proposed times.'),
	('reschedule_request_on_document_not_received', 'rescheduling', 'Asked to reschedule: required documents did not arrive in time.'),
	('reschedule_request_on_document_not_verified', 'rescheduling', 'Asked to reschedule: documents could not be verified in time.'),
	('reschedule_request_on_answers_not_received', 'rescheduling', 'Asked to reschedule: screening answers did not arrive in time.'),
	('follow_up_reschedule', 'rescheduling', 'Follow-up inviting the prospect to book another time.'),
	-- Self-showings and lockboxes.
	('confirm_secured_lockbox_request', 'self-show/lockbox', 'The prospect was asked to confirm a secured-lockbox self-showing.'),
	('confirm_secured_lockbox', 'self-show/lockbox', 'A secured-lockbox self-showing was confirmed.'),
	('confirm_insecured_lockbox', 'self-show/lockbox', 'A self-showing with an unsecured lockbox was confirmed.'),
	('confirm_lockbox_outcome_no_show', 'self-show/lockbox', 'The lockbox self-showing ended as a no-show.'),
	('lockbox_code_requested', 'self-show/lockbox', 'The prospect asked for the lockbox code.'),
	('lockbox_code_distributed', 'self-show/lockbox', 'The lockbox code was sent to the prospect.'),
	('lockbox_showing_started', 'self-show/lockbox', 'The prospect started the lockbox self-showing.'),
	-- Screening and documents.
	('cci_screening_criteria_not_met', 'screening/documents', 'The call center found the screening criteria not met.'),
	('sent_document_request', 'screening/documents', 'The prospect was asked for documents.'),
	('sent_document_and_answers_request', 'screening/documents', 'The prospect was asked for documents and screening answers.'),
	('sent_answers_request', 'screening/documents', 'The prospect was asked to answer screening questions.'),
	('document_verification_request', 'screening/documents', 'Documents were sent for verification.'),
	('document_received', 'screening/documents', 'The prospect''s documents arrived.'),
	('document_verified', 'screening/documents', 'The prospect''s documents were verified.'),
	('additional_document_received', 'screening/documents', 'An additional document arrived.'),
	('additional_document_requested', 'screening/documents', 'An additional document was asked for.'),
	('additional_document_request_sent', 'screening/documents', 'The request for an additional document was sent.'),
	('document_request_resent', 'screening/documents', 'The document request was sent again.'),
	('showing_denied_pets', 'screening/documents', 'Showing refused: pets do not meet the listing''s criteria.'),
	('showing_denied_income', 'screening/documents', 'Showing refused: income does not meet the criteria.'),
	('showing_denied_move_in_date', 'screening/documents', 'Showing refused: move-in date does not fit.'),
	('showing_denied_custome_question', 'screening/documents', 'Showing refused: a custom screening question was answered wrong.'),
	('showing_denied_pets_reason', 'screening/documents', 'The reason given for refusing the showing over pets.'),
	('showing_denied_income_reason', 'screening/documents', 'The reason given for refusing the showing over income.'),
	('showing_denied_move_in_date_reason', 'screening/documents', 'The reason given for refusing the showing over the move-in date.'),
	('showing_denied_custom_question_reason', 'screening/documents', 'The reason given for refusing the showing over a custom question.'),
	('lead_showing_denied_pets', 'screening/documents', 'The lead may not book a showing: pets do not meet the criteria.'),
	('lead_showing_denied_income', 'screening/documents', 'The lead may not book a showing: income does not meet the criteria.'),
	('lead_showing_denied_move_in_date', 'screening/documents', 'The lead may not book a showing: move-in date does not fit.'),
	('lead_showing_denied_custome_question', 'screening/documents', 'The lead may not book a showing: a custom question was answered wrong.'),
	('showing_mismatched_pets', 'screening/documents', 'Booked, but pets do not match the listing''s criteria.'),
	('showing_mismatched_income', 'screening/documents', 'Booked, but income does not match the criteria.'),
	('showing_mismatched_move_in_date', 'screening/documents', 'Booked, but the move-in date does not match.'),
	('showing_mismatched_custome_question', 'screening/documents', 'Booked, but a custom question''s answer does not match.'),
	('pre_screen_completed', 'screening/documents', 'The prospect completed the pre-screening.'),
	('pre_screen_overridden', 'screening/documents', 'A team member overrode the pre-screening result.'),
	('pre_screen_reminder_sent', 'screening/documents', 'Reminder sent to complete the pre-screening.'),
	('pre_screen_request_sent', 'screening/documents', 'The prospect was asked to complete the pre-screening.'),
	('pet_screening_sent', 'screening/documents', 'A pet-screening request was sent.'),
	-- Messages to the prospect or the team.
	('follow_autoreply', 'communication', 'The prospect followed the link in the automatic reply.'),
	('sent_autoreply', 'communication', 'The automatic reply to an inquiry was sent.'),
	('sent_autoreply_followup', 'communication', 'A follow-up to the automatic reply was sent.'),
	('email_link', 'communication', 'The listing link was emailed to the prospect.'),
	('text_link', 'communication', 'The listing link was texted to the prospect.'),
	('email_application_criteria_link', 'communication', 'The application-criteria link was emailed.'),
	('text_application_criteria_link', 'communication', 'The application-criteria link was texted.'),
	('email_apply_now_link', 'communication', 'The apply-now link was emailed.'),
	('text_apply_now_link', 'communication', 'The apply-now link was texted.'),
	('sent_follow_up', 'communication', 'A follow-up message was sent after the showing.'),
	('last_reminder', 'communication', 'The last reminder before the showing was sent.'),
	('email_delivery_failed', 'communication', 'An email to the prospect could not be delivered.'),
	('email_on_rent_reduction', 'communication', 'The prospect was emailed that the rent went down.'),
	('email_on_new_active_listing', 'communication', 'The prospect was emailed about a newly active listing.'),
	('notified_showtimes_available', 'communication', 'The prospect was told showing times are available.'),
	('send_upcoming_showings', 'communication', 'The list of upcoming showings was sent.'),
	-- Phone calls and the call center (CCI).
	('left_voicemail', 'calls', 'The caller left a voicemail.'),
	('call_redirected', 'calls', 'A call was forwarded.'),
	('call_redirect_ended', 'calls', 'A forwarded call ended.'),
	('call_transferred_to_cci', 'calls', 'A call was handed to the call center.'),
	('call_transferred_from_cci', 'calls', 'The call center handed a call back.'),
	('lead_converted_by_cci', 'calls', 'The call center turned the caller into a lead or a booking.'),
	('outgoing_call_started', 'calls', 'An outgoing call to the prospect started.'),
	('outgoing_call_completed', 'calls', 'An outgoing call to the prospect ended.'),
	-- After the showing.
	('set_no_show', 'feedback', 'The prospect was marked as a no-show.'),
	('undo_no_show', 'feedback', 'The no-show mark was removed.'),
	('showing_feedback', 'feedback', 'The prospect left feedback on the showing.'),
	('showing_agent_feedback', 'feedback', 'The showing agent left feedback on the showing.'),
	-- Fraud and blacklists.
	('flagged_as_fraudulent', 'fraud/blacklist', 'The showing or prospect was flagged as fraudulent.'),
	('cancel_phone_or_email_blacklisted', 'fraud/blacklist', 'Canceled: the phone number or email is blacklisted.'),
	('blacklisted_prospect', 'fraud/blacklist', 'The prospect was blacklisted.'),
	('location_verification_auto_triggered', 'fraud/blacklist', 'A location (identity) check of the prospect started automatically.'),
	-- Everything else.
	('hide', 'other', 'The showing was hidden from the lists.'),
	('restore', 'other', 'A hidden showing was restored.'),
	('third_party_applicant_added', 'other', 'An applicant from a third party was added.'),
	('applicant_transitioned_to_resident', 'other', 'The applicant became a resident.'),
	('applicant_transitioned_from_resident', 'other', 'A resident went back to being an applicant.');

-- A phone number as digits only, for matching "(555) 010-0100" with
-- "555.010.0100"; NULL when there are no digits.
CREATE FUNCTION phone_key(p_phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT nullif(regexp_replace(p_phone, '[^0-9]', '', 'g'), '')
$fn$;
COMMENT ON FUNCTION phone_key(text) IS
    'Digits of a phone number, for matching; NULL when none.';

-- The "now" of the views: now(), unless the session sets showmojo.as_of
-- to a timestamp (to see the views as they were, or to test them).
CREATE FUNCTION as_of() RETURNS timestamptz
LANGUAGE sql STABLE
AS $fn$
	SELECT coalesce(nullif(current_setting('showmojo.as_of', true), '')::timestamptz,
	    now())
$fn$;
COMMENT ON FUNCTION as_of() IS
    'now(), or the timestamp in the setting showmojo.as_of when set.';

INSERT INTO schema_migrations (version, name) VALUES (3, '003-reference');
COMMIT;
