#!/usr/bin/env node
// Plays an OpenID4VCI 1.0 wallet with oid4vc-ts (@openid4vc/openid4vci + @openid4vc/oauth2):
// pre-authorized code flow, nonce endpoint, credential request with `proofs.jwt`.
//
//   node wallet_vci.mjs --offer 'openid-credential-offer://?credential_offer_uri=...' \
//        [--tx-code 123456] [--config-id ID] [--batch N] [--kid-did-jwk] [--dpop auto|always|never]
//        [--client-id ID] [--allow-insecure-urls] [--notify]
//        [--holder-key es256|ed25519] [--kid-did-key] [--export-private-keys]
//
// `--holder-key ed25519` makes EdDSA holder keys; `--kid-did-key` names an Ed25519 key by its did:key DID URL
// (`kid: did:key:z6Mk...#z6Mk...`), which an ldp_vc holder needs to sign a Data Integrity presentation later;
// `--export-private-keys` also prints the (throwaway) private JWKs so `wallet_vp.mjs` can present.
//
// Prints one JSON object: {ok, credentials, format, holder_jwk(s), holder_did(s), c_nonce_used,
// token_response, detected_version, http, versions}. Access tokens are never printed.
import { createHash, randomBytes } from 'node:crypto'
import { CompactSign, exportJWK, generateKeyPair } from 'jose'
import {
  Openid4vciClient,
  setGlobalConfig,
} from '@openid4vc/openid4vci'
import { clientAuthenticationAnonymous, clientAuthenticationNone } from '@openid4vc/oauth2'
import { cli, didJwkFor, packageVersion, publicJwk, resolveDidKeyMaterial, run } from './lib/common.mjs'
import { newHolderKey as newNodeHolderKey } from './lib/keys.mjs'

const args = cli({
  offer: { type: 'string' },
  'tx-code': { type: 'string' },
  'config-id': { type: 'string' },
  batch: { type: 'string', default: '1' },
  'kid-did-jwk': { type: 'boolean', default: false },
  dpop: { type: 'string', default: 'auto' },
  'client-id': { type: 'string' },
  'allow-insecure-urls': { type: 'boolean', default: false },
  notify: { type: 'boolean', default: false },
  'holder-key': { type: 'string', default: 'es256' },
  'kid-did-key': { type: 'boolean', default: false },
  'export-private-keys': { type: 'boolean', default: false },
})

const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }

async function newHolderKey(type = 'es256') {
  if (type === 'ed25519') {
    const key = newNodeHolderKey('ed25519')
    const didKey = args['kid-did-key']
    return {
      privateKey: key.privateKey,
      privateJwk: key.privateJwk,
      jwk: key.jwk,
      alg: 'EdDSA',
      did: didKey ? key.didKey : key.didJwk,
      kid: didKey ? key.didKeyVm : key.didJwkVm,
    }
  }
  if (type !== 'es256') throw new Error('--holder-key must be es256 or ed25519')
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = publicJwk(await exportJWK(publicKey))
  const did = didJwkFor(jwk)
  return { privateKey, privateJwk: { ...jwk, d: (await exportJWK(privateKey)).d }, jwk, alg: 'ES256', did, kid: `${did}#0` }
}

async function main() {
  if (!args.offer) throw new Error('--offer is required')
  const batch = Number.parseInt(args.batch, 10)
  if (!(batch >= 1)) throw new Error('--batch must be >= 1')
  // oid4vc-ts only accepts https:// URLs unless this global switch is set (dev server is http://127.0.0.1).
  if (args['allow-insecure-urls']) setGlobalConfig({ allowInsecureUrls: true })

  // Holder keys: one per proof, registered so the signJwt callback can find the private key.
  if (args['kid-did-key'] && args['holder-key'] !== 'ed25519') throw new Error('--kid-did-key needs --holder-key ed25519')
  const holders = []
  for (let i = 0; i < batch; i++) holders.push(await newHolderKey(args['holder-key']))
  const privateKeyFor = new Map(holders.map((h) => [JSON.stringify(h.jwk), h.privateKey]))
  const dpopKey = await newHolderKey()
  privateKeyFor.set(JSON.stringify(dpopKey.jwk), dpopKey.privateKey)

  const http = []
  const callbacks = {
    // Log method/url/status only: never bodies (they carry codes, tokens, proofs).
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      http.push({ method: init?.method ?? 'GET', url: String(input), status: response.status })
      return response
    },
    hash: (data, alg) => {
      const name = HASHES[alg]
      if (!name) throw new Error(`unsupported hash ${alg}`)
      return new Uint8Array(createHash(name).update(data).digest())
    },
    generateRandom: (n) => new Uint8Array(randomBytes(n)),
    signJwt: async (signer, { header, payload }) => {
      let jwk
      if (signer.method === 'jwk') jwk = publicJwk(signer.publicJwk)
      else if (signer.method === 'did' && resolveDidKeyMaterial(signer.didUrl)) {
        jwk = resolveDidKeyMaterial(signer.didUrl).jwk
      } else throw new Error(`signer method ${signer.method} not supported by this wallet`)
      const privateKey = privateKeyFor.get(JSON.stringify(publicJwk(jwk)))
      if (!privateKey) throw new Error('no private key for signer')
      const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader(header)
        .sign(privateKey)
      return { jwt, signerJwk: jwk }
    },
    clientAuthentication: args['client-id']
      ? clientAuthenticationNone({ clientId: args['client-id'] })
      : clientAuthenticationAnonymous(),
  }
  const client = new Openid4vciClient({ callbacks })

  const credentialOffer = await client.resolveCredentialOffer(args.offer)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const configId = args['config-id'] ?? credentialOffer.credential_configuration_ids[0]
  if (!credentialOffer.credential_configuration_ids.includes(configId)) {
    throw new Error(`credential configuration ${configId} is not in the offer`)
  }
  const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[configId]
  if (!configuration) throw new Error(`credential configuration ${configId} is not in the issuer metadata`)

  const asMetadata = issuerMetadata.authorizationServers[0]
  const asDpopAlgs = asMetadata?.dpop_signing_alg_values_supported ?? []
  const useDpop = args.dpop === 'always' || (args.dpop === 'auto' && asDpopAlgs.includes('ES256'))
  const dpopSigner = { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.jwk }

  const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode: args['tx-code'],
    dpop: useDpop ? { signer: dpopSigner } : undefined,
  })
  const accessTokenResponse = token.accessTokenResponse
  // oid4vc-ts sends `Authorization: DPoP` on resource requests whenever a `dpop` option is passed, even when
  // the AS answered with a Bearer token (RFC 9449 #section-7.1 lets an AS ignore DPoP); follow token_type.
  const dpopBound = useDpop && String(accessTokenResponse.token_type).toLowerCase() === 'dpop'

  let cNonce
  let nonceSource = 'none'
  if (issuerMetadata.credentialIssuer.nonce_endpoint) {
    cNonce = (await client.requestNonce({ issuerMetadata })).c_nonce
    nonceSource = 'nonce_endpoint'
  } else if (accessTokenResponse.c_nonce) {
    cNonce = accessTokenResponse.c_nonce
    nonceSource = 'token_response'
  }

  const jwts = []
  for (const holder of holders) {
    const signer = args['kid-did-jwk'] || args['kid-did-key']
      ? { method: 'did', didUrl: holder.kid, alg: holder.alg }
      : { method: 'jwk', publicJwk: holder.jwk, alg: holder.alg }
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: configId,
      signer,
      nonce: cNonce,
    })
    jwts.push(jwt)
  }

  const credentialResult = await client.retrieveCredentials({
    issuerMetadata,
    credentialConfigurationId: configId,
    accessToken: accessTokenResponse.access_token,
    proofs: { jwt: jwts },
    dpop: dpopBound ? token.dpop ?? { signer: dpopSigner } : undefined,
  })
  const response = credentialResult.credentialResponse
  const credentials = (response.credentials ?? (response.credential ? [response.credential] : [])).map((entry) =>
    entry && typeof entry === 'object' && 'credential' in entry ? entry.credential : entry,
  )

  let notification
  if (args.notify && response.notification_id && issuerMetadata.credentialIssuer.notification_endpoint) {
    const result = await client.sendNotification({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      notification: { notificationId: response.notification_id, event: 'credential_accepted' },
      dpop: dpopBound ? credentialResult.dpop ?? token.dpop : undefined,
    })
    notification = { status: result.response.status }
  }

  return {
    library: '@openid4vc/openid4vci',
    versions: {
      '@openid4vc/openid4vci': packageVersion('@openid4vc/openid4vci'),
      '@openid4vc/oauth2': packageVersion('@openid4vc/oauth2'),
      jose: packageVersion('jose'),
    },
    credential_issuer: credentialOffer.credential_issuer,
    credential_configuration_id: configId,
    format: configuration.format,
    detected_version: issuerMetadata.originalDraftVersion,
    credentials,
    holder_jwk: holders[0].jwk,
    holder_did: holders[0].did,
    holder_jwks: holders.map((h) => h.jwk),
    holder_dids: holders.map((h) => h.did),
    proof_key_mode: args['kid-did-key'] ? 'kid_did_key' : args['kid-did-jwk'] ? 'kid_did_jwk' : 'jwk',
    holder_private_jwks: args['export-private-keys'] ? holders.map((h) => h.privateJwk) : undefined,
    c_nonce_used: cNonce ?? null,
    c_nonce_source: nonceSource,
    dpop: { sent_at_token_endpoint: useDpop, token_bound: dpopBound },
    token_response: {
      token_type: accessTokenResponse.token_type,
      expires_in: accessTokenResponse.expires_in ?? null,
      has_access_token: typeof accessTokenResponse.access_token === 'string',
      authorization_details: accessTokenResponse.authorization_details ?? null,
      c_nonce_present: accessTokenResponse.c_nonce !== undefined,
    },
    notification_id: response.notification_id ?? null,
    notification: notification ?? null,
    http,
  }
}

await run(main)
