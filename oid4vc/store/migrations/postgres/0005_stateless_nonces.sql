-- 0005: stateless c_nonces (same semantics as sqlite/0005). A c_nonce now carries its own expiry and MAC
-- (oid4vc.issuance.nonce), so the nonces table holds only *used* nonces, looked up by key only, and needs no expiry
-- index. The old rows were outstanding random nonces, which no longer verify (a wallet holding one gets
-- invalid_nonce and fetches a new one), so they are deleted. Every notification lookup also filters on offer_id,
-- which credentials_offer serves.
DELETE FROM nonces;
DROP INDEX nonces_expiry;
DROP INDEX credentials_notification;
