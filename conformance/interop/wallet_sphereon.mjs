#!/usr/bin/env node
// Plays a wallet with Sphereon's OID4VCI client (`@sphereon/oid4vci-client`): pre-authorized code offer (by value
// or `credential_offer_uri`), token request with the transaction code, credential request with a `jwt` key proof.
//
//   node wallet_sphereon.mjs --offer 'openid-credential-offer://?credential_offer_uri=...' [--tx-code 123456]
//        [--config-id ID] [--kid-did-jwk] [--package @sphereon/oid4vci-client|sphereon-oid4vci-client-0.16]
//        [--proofs-shim]
//
// `--package` picks the installed release line: `@sphereon/oid4vci-client` (0.20.x, draft 15) or the npm alias
// `sphereon-oid4vci-client-0.16` (0.16.0, draft 13). Both drive `OpenID4VCIClient`: `fromURI` -> `acquireAccessToken`
// (`pin` = the transaction code) -> `acquireCredentials` with a `signCallback` that signs the library's proof JWT
// with a fresh P-256 holder key (`jwk` header, or `kid: did:jwk:...#0` with --kid-did-jwk).
//
// The library talks HTTP through cross-fetch -> node-fetch -> `node:http`; this script wraps `http.request` to log
// what was sent (method, URL, status, parameter *names*, the key-proof shape; never codes, tokens or proofs).
// `--proofs-shim` is the one deliberate deviation: it rewrites the library's draft `proof` object in the credential
// request body into the OpenID4VCI 1.0 `proofs: {jwt: [...]}` form on the wire (everything else stays the library's),
// to show whether that parameter is the only gap.
//
// Prints one JSON object: {ok, credentials, format, holder_jwk(s), holder_did(s), detected_version, http,
// credential_requests, token_response, versions}; on failure {ok: false, error: {message, details: {...}}}.
import http from 'node:http'
import { CompactSign } from 'jose'
import { cli, packageVersion, run } from './lib/common.mjs'
import { newHolderKey } from './lib/keys.mjs'

const PACKAGES = ['@sphereon/oid4vci-client', 'sphereon-oid4vci-client-0.16']

const args = cli({
  offer: { type: 'string' },
  'tx-code': { type: 'string' },
  'config-id': { type: 'string' },
  'kid-did-jwk': { type: 'boolean', default: false },
  package: { type: 'string', default: PACKAGES[0] },
  'proofs-shim': { type: 'boolean', default: false },
})

const httpLog = []
const credentialRequests = []

function b64json(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
}

/** What a key proof JWT looks like, without the JWT: header members (no key material) and claim names. */
function describeProofJwt(jwt) {
  try {
    const [header, payload] = jwt.split('.').slice(0, 2).map(b64json)
    return {
      typ: header.typ ?? null,
      alg: header.alg ?? null,
      key: header.jwk ? 'jwk' : header.kid ? (String(header.kid).startsWith('did:') ? 'kid(did)' : 'kid') : null,
      claims: Object.keys(payload).sort(),
      iat_offset_s: typeof payload.iat === 'number' ? payload.iat - Math.round(Date.now() / 1000) : null,
      nonce_present: typeof payload.nonce === 'string',
    }
  } catch {
    return { unparsable: true }
  }
}

/** Parameter names and the key-proof shape of one credential request body (values are not kept). */
function describeCredentialRequest(body) {
  const out = { parameters: Object.keys(body).sort() }
  if (body.proof && typeof body.proof === 'object') {
    out.proof = { members: Object.keys(body.proof).sort(), proof_type: body.proof.proof_type ?? null }
    if (typeof body.proof.jwt === 'string') out.proof.jwt = describeProofJwt(body.proof.jwt)
  }
  if (body.proofs && typeof body.proofs === 'object') {
    out.proofs = Object.fromEntries(Object.entries(body.proofs).map(([k, v]) => [k, Array.isArray(v) ? v.length : typeof v]))
    const first = Array.isArray(body.proofs.jwt) ? body.proofs.jwt[0] : undefined
    if (typeof first === 'string') out.proofs_jwt = describeProofJwt(first)
  }
  if (body.credential_configuration_id) out.credential_configuration_id = body.credential_configuration_id
  if (body.format) out.format = body.format
  return out
}

/** draft `proof: {proof_type: 'jwt', jwt}` -> OpenID4VCI 1.0 `proofs: {jwt: [jwt]}` (#section-8.2). */
function proofsShim(body) {
  if (!body.proof || body.proofs) return body
  const { proof, ...rest } = body
  const { proof_type: type, ...value } = proof
  return { ...rest, proofs: { [type]: [value[type]] } }
}

function urlOf(a0, opts) {
  if (typeof a0 === 'string' || a0 instanceof URL) return String(a0)
  if (opts.href) return opts.href
  const host = opts.hostname ?? String(opts.host ?? '').split(':')[0]
  return `${opts.protocol ?? 'http:'}//${host}${opts.port ? `:${opts.port}` : ''}${opts.path ?? '/'}`
}

// node-fetch 2 (used by cross-fetch in both release lines) calls `http.request(options)` and then writes a string
// body with a single write()/end(); buffering it here lets the shim change it before the headers go out.
const originalRequest = http.request
http.request = function request(...callArgs) {
  const [a0, a1] = callArgs
  const opts = typeof a0 === 'object' && !(a0 instanceof URL) ? a0 : typeof a1 === 'object' ? a1 : {}
  const entry = { method: String(opts.method ?? 'GET').toUpperCase(), url: urlOf(a0, opts), status: null }
  httpLog.push(entry)
  const req = originalRequest.apply(this, callArgs)
  const write = req.write.bind(req)
  const end = req.end.bind(req)
  const chunks = []
  req.write = (chunk, ...rest) => {
    if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk))
    const callback = rest.find((r) => typeof r === 'function')
    if (callback) process.nextTick(callback)
    return true
  }
  req.end = (chunk, ...rest) => {
    if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk))
    let body = Buffer.concat(chunks).toString('utf8')
    const contentType = String(req.getHeader('content-type') ?? '')
    let record
    if (body && contentType.includes('application/x-www-form-urlencoded')) {
      entry.form_parameters = [...new URLSearchParams(body).keys()].sort()
    } else if (body && contentType.includes('application/json')) {
      let parsed
      try {
        parsed = JSON.parse(body)
      } catch {
        parsed = undefined
      }
      if (parsed && typeof parsed === 'object' && ('proof' in parsed || 'proofs' in parsed || 'format' in parsed ||
          'credential_configuration_id' in parsed || 'credential_identifier' in parsed)) {
        record = { sent_by_library: describeCredentialRequest(parsed) }
        if (args['proofs-shim']) {
          const shimmed = proofsShim(parsed)
          if (shimmed !== parsed) {
            body = JSON.stringify(shimmed)
            record.shimmed = describeCredentialRequest(shimmed)
          }
        }
        credentialRequests.push(record)
        entry.json_parameters = (record.shimmed ?? record.sent_by_library).parameters
      }
    }
    if (body) {
      req.setHeader('Content-Length', Buffer.byteLength(body))
      write(body)
    }
    req.on('response', (res) => {
      entry.status = res.statusCode
      if (record) record.status = res.statusCode
      if (res.statusCode >= 400) {
        let text = ''
        res.on('data', (d) => { text += d })
        res.on('end', () => {
          try {
            entry.error_response = JSON.parse(text)
          } catch {
            entry.error_response = text.slice(0, 300)
          }
          if (record) record.error_response = entry.error_response
        })
      }
    })
    return end(...rest.filter((r) => typeof r === 'function'))
  }
  return req
}

function configFor(metadata, configId) {
  const configs = metadata?.credential_configurations_supported ?? {}
  const config = configs[configId]
  if (!config) throw new Error(`credential configuration ${configId} is not in the issuer metadata`)
  return config
}

async function main() {
  if (!args.offer) throw new Error('--offer is required')
  if (!PACKAGES.includes(args.package)) throw new Error(`--package must be one of ${PACKAGES.join(', ')}`)
  const { OpenID4VCIClient } = await import(args.package)
  const version = packageVersion(args.package)

  const holder = newHolderKey('es256')
  const signCallback = async (jwt) => {
    const header = { ...jwt.header }
    return new CompactSign(new TextEncoder().encode(JSON.stringify(jwt.payload)))
      .setProtectedHeader(header)
      .sign(holder.privateKey)
  }

  const stage = { name: 'offer' }
  let tokenResponse
  let client
  try {
    client = await OpenID4VCIClient.fromURI({ uri: args.offer, resolveOfferUri: true, retrieveServerMetadata: true })
    stage.name = 'metadata'
    const metadata = client.endpointMetadata?.credentialIssuerMetadata
    const offered = client.credentialOffer?.credential_offer?.credential_configuration_ids ?? []
    const configId = args['config-id'] ?? offered[0]
    if (!offered.includes(configId)) throw new Error(`credential configuration ${configId} is not in the offer`)
    const config = configFor(metadata, configId)

    stage.name = 'token'
    tokenResponse = await client.acquireAccessToken({ pin: args['tx-code'] })

    stage.name = 'credential'
    const definition = config.credential_definition ?? {}
    const types = config.format === 'dc+sd-jwt' || config.format === 'vc+sd-jwt' ? [config.vct] : definition.type
    const response = await client.acquireCredentials({
      credentialTypes: types,
      format: config.format,
      ...(definition['@context'] ? { context: definition['@context'] } : {}),
      proofCallbacks: { signCallback },
      alg: holder.alg,
      ...(args['kid-did-jwk'] ? { kid: holder.didJwkVm } : { jwk: holder.jwk }),
    })
    const entries = response.credentials ?? (response.credential !== undefined ? [response.credential] : [])
    const credentials = entries.map((e) => (e && typeof e === 'object' && 'credential' in e ? e.credential : e))
    if (credentials.length === 0) throw new Error('the credential response carries no credential')
    return {
      library: '@sphereon/oid4vci-client',
      package: args.package,
      versions: { '@sphereon/oid4vci-client': version, jose: packageVersion('jose') },
      credential_issuer: client.getIssuer(),
      credential_configuration_id: configId,
      format: config.format,
      detected_version: client.version(),
      proofs_shim: args['proofs-shim'],
      credentials,
      holder_jwk: holder.jwk,
      holder_did: holder.didJwk,
      holder_jwks: credentials.map(() => holder.jwk),
      holder_dids: credentials.map(() => holder.didJwk),
      proof_key_mode: args['kid-did-jwk'] ? 'kid_did_jwk' : 'jwk',
      token_response: {
        token_type: tokenResponse.token_type,
        has_access_token: typeof tokenResponse.access_token === 'string',
        c_nonce_present: tokenResponse.c_nonce !== undefined,
      },
      notification_id: response.notification_id ?? null,
      credential_requests: credentialRequests,
      http: httpLog,
    }
  } catch (err) {
    const wrapped = new Error(`${args.package} ${version}: ${stage.name} step failed: ${err?.message ?? err}`)
    wrapped.details = {
      stage: stage.name,
      package: args.package,
      version,
      detected_version: client ? safe(() => client.version()) : null,
      token_response: tokenResponse
        ? { token_type: tokenResponse.token_type, c_nonce_present: tokenResponse.c_nonce !== undefined }
        : null,
      credential_requests: credentialRequests,
      http: httpLog,
    }
    throw wrapped
  }
}

function safe(fn) {
  try {
    return fn()
  } catch {
    return null
  }
}

await run(main)
