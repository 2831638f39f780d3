#!/usr/bin/env node
// Plays an OpenID4VP 1.0 wallet with oid4vc-ts (@openid4vc/openid4vp): resolves the Authorization Request
// (by value, or by reference with request_uri_method get/post), verifies the signed Request Object for the
// Client Identifier Prefix (decentralized_identifier: did:key / did:jwk resolved offline; x509_san_dns /
// x509_hash: the x5c leaf key, chain trust decided here), builds the vp_token for the credential's format
// and submits the Authorization Response (direct_post, or direct_post.jwt encrypted to client_metadata.jwks).
//
//   node wallet_vp.mjs --request 'openid4vp://?client_id=...&request_uri=...' --credential-file out.json
//        [--disclose credentialSubject.result ...] [--query-id ID] [--enc A128GCM|A256GCM]
//        [--accept-self-signed-x5c] [--library-post-body] [--tamper] [--allow-insecure-urls]
//
// --credential-file is what `wallet_vci.mjs --export-private-keys` printed (credentials, format, holder DIDs and
// private JWKs); the first credential is presented. Formats:
//   dc+sd-jwt    SD-JWT presentation (@sd-jwt/sd-jwt-vc) disclosing only --disclose paths, with a KB-JWT
//                (aud = client_id, nonce, sd_hash)
//   jwt_vc_json  VP-JWT (`vp` claim; iss = holder DID, kid = its DID URL, aud = client_id, nonce) signed with jose
//   ldp_vc       ldp_vp with a DataIntegrityProof eddsa-rdfc-2022 (proofPurpose authentication, challenge = nonce,
//                domain = client_id) made by @digitalcredentials/vc signPresentation; needs an Ed25519 did:key
//                holder (`wallet_vci.mjs --holder-key ed25519 --kid-did-key`)
// --tamper flips one byte of the holder's signature (KB-JWT, VP-JWT, or the VP proofValue) before submitting.
//
// Prints one JSON object: {ok, submitted, response_status, response_body, client_id, client_id_prefix,
// response_mode, format, query_id, disclosed, request_object, x5c_trust, wallet_nonce, enc, version, http}.
// `ok` is true only when the Response URI answered 2xx.
import { X509Certificate, createHash, randomBytes, sign as nodeSign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { CompactEncrypt, SignJWT, compactVerify, importJWK } from 'jose'
import { Openid4vpClient } from '@openid4vc/openid4vp'
import { setGlobalConfig } from '@openid4vc/utils'
import { b64u, cli, packageVersion, resolveDidKeyMaterial, run } from './lib/common.mjs'
import { flipJwsSignature, flipMultibase, holderKeyFromPrivateJwk } from './lib/keys.mjs'

const args = cli({
  request: { type: 'string' },
  'credential-file': { type: 'string' },
  disclose: { type: 'string', multiple: true, default: [] },
  'query-id': { type: 'string' },
  enc: { type: 'string' },
  'accept-self-signed-x5c': { type: 'boolean', default: false },
  'library-post-body': { type: 'boolean', default: false },
  tamper: { type: 'boolean', default: false },
  'allow-insecure-urls': { type: 'boolean', default: false },
})

const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }
const ENC_VALUES = ['A128GCM', 'A256GCM']

const WALLET_METADATA = {
  vp_formats_supported: {
    'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256', 'EdDSA'], 'kb-jwt_alg_values': ['ES256'] },
    jwt_vc_json: { alg_values: ['ES256', 'EdDSA'] },
    ldp_vc: { proof_type_values: ['DataIntegrityProof'], cryptosuite_values: ['eddsa-rdfc-2022'] },
  },
  client_id_prefixes_supported: ['decentralized_identifier', 'x509_san_dns', 'x509_hash', 'redirect_uri'],
  request_object_signing_alg_values_supported: ['ES256', 'EdDSA'],
  authorization_encryption_alg_values_supported: ['ECDH-ES'],
  authorization_encryption_enc_values_supported: ENC_VALUES,
}

/** `credentialSubject.result` or `["credentialSubject","result"]` -> path array. */
function parsePath(text) {
  if (text.startsWith('[')) return JSON.parse(text)
  return text.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part))
}

/** @sd-jwt presentation frame ({credentialSubject: {result: true}}) for the paths to disclose. */
function presentationFrame(paths) {
  const frame = {}
  for (const path of paths) {
    let node = frame
    path.forEach((part, i) => {
      if (part === null) throw new Error('--disclose paths cannot use null (all elements) with @sd-jwt frames')
      if (i === path.length - 1) node[part] = true
      else {
        if (typeof node[part] !== 'object') node[part] = typeof path[i + 1] === 'number' ? [] : {}
        node = node[part]
      }
    })
  }
  return frame
}

/** Subject Alternative Names of a DER certificate (node's "DNS:a, URI:b, IP Address:c" string). */
function sanNames(cert) {
  const names = { dns: [], uri: [] }
  for (const entry of (cert.subjectAltName ?? '').split(/,\s*/)) {
    if (entry.startsWith('DNS:')) names.dns.push(entry.slice(4))
    else if (entry.startsWith('URI:')) names.uri.push(entry.slice(4))
  }
  return names
}

/**
 * Chain trust for an x5c header. This wallet has no trust anchors; each certificate must be valid now and signed
 * by the next one, and the last one must be self-signed -- accepted only with --accept-self-signed-x5c (our dev
 * certificate is a self-signed leaf, which HAIP would refuse).
 */
function trustX5c(x5c, report) {
  const certs = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')))
  const now = Date.now()
  certs.forEach((cert, i) => {
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
      throw new Error(`x5c[${i}] is outside its validity period`)
    }
    const issuer = certs[i + 1]
    if (issuer && !(cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) {
      throw new Error(`x5c[${i}] is not signed by x5c[${i + 1}]`)
    }
  })
  const last = certs[certs.length - 1]
  const selfSigned = last.checkIssued(last) && last.verify(last.publicKey)
  if (!selfSigned) throw new Error('x5c does not end in a trust anchor this wallet knows (it knows none)')
  if (!args['accept-self-signed-x5c']) throw new Error('x5c ends in a self-signed certificate that is not trusted')
  report.x5c_trust = {
    accepted: true,
    reason: '--accept-self-signed-x5c: self-signed certificate accepted explicitly (no trust anchors)',
    chain_length: certs.length,
    leaf_subject: certs[0].subject,
    leaf_san: certs[0].subjectAltName ?? null,
    leaf_self_signed: certs.length === 1,
  }
  return certs[0]
}

/** The vp_token entry for one credential, per format (OpenID4VP 1.0 App. B). */
async function buildPresentation({ format, credential, holder, clientId, nonce, disclose }) {
  const iat = Math.floor(Date.now() / 1000)
  if (format === 'dc+sd-jwt') {
    const { SDJwtVcInstance } = await import('@sd-jwt/sd-jwt-vc')
    const { digest, generateSalt, ES256 } = await import('@sd-jwt/crypto-nodejs')
    if (holder.alg !== 'ES256') throw new Error('this wallet signs KB-JWTs with ES256 only')
    const sdjwt = new SDJwtVcInstance({
      hasher: digest,
      saltGenerator: generateSalt,
      kbSigner: await ES256.getSigner(holder.privateJwk),
      kbSignAlg: 'ES256',
    })
    // Quirk: present() with an undefined frame discloses *everything*; {} discloses nothing selectively.
    const frame = presentationFrame(disclose)
    const presentation = await sdjwt.present(credential, frame, { kb: { payload: { iat, aud: clientId, nonce } } })
    return { presentation, frame }
  }
  if (format === 'jwt_vc_json') {
    const did = holder.did
    const kid = did.startsWith('did:key:') ? holder.didKeyVm : holder.didJwkVm
    const presentation = await new SignJWT({
      nonce,
      vp: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        holder: did,
        verifiableCredential: [credential],
      },
    })
      .setProtectedHeader({ alg: holder.alg, typ: 'JWT', kid })
      .setIssuer(did)
      .setAudience(clientId)
      .setIssuedAt(iat)
      .setJti(`urn:uuid:${crypto.randomUUID()}`)
      .sign(holder.privateKey)
    return { presentation }
  }
  if (format === 'ldp_vc') {
    if (!holder.did.startsWith('did:key:') || holder.alg !== 'EdDSA') {
      throw new Error('an ldp_vp needs an Ed25519 did:key holder (wallet_vci.mjs --holder-key ed25519 --kid-did-key)')
    }
    const { DataIntegrityProof } = await import('@digitalcredentials/data-integrity')
    const { cryptosuite } = await import('@digitalcredentials/eddsa-rdfc-2022-cryptosuite')
    const vc = await import('@digitalcredentials/vc')
    const { createDocumentLoader } = await import('./lib/loader.mjs')
    // The cryptosuite package has no key/signer of its own; DataIntegrityProof takes any {id, algorithm, sign}.
    const signer = {
      id: holder.didKeyVm,
      algorithm: 'Ed25519',
      sign: async ({ data }) => new Uint8Array(nodeSign(null, Buffer.from(data), holder.privateKey)),
    }
    const suite = new DataIntegrityProof({ signer, cryptosuite })
    const { documentLoader } = createDocumentLoader()
    const presentation = await vc.signPresentation({
      presentation: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiablePresentation'],
        holder: holder.did,
        verifiableCredential: [credential],
      },
      suite,
      challenge: nonce,
      domain: clientId,
      documentLoader,
    })
    return { presentation }
  }
  throw new Error(`format ${format} is not supported by this wallet`)
}

function tamper(format, presentation) {
  if (format === 'dc+sd-jwt') {
    const parts = presentation.split('~')
    parts[parts.length - 1] = flipJwsSignature(parts[parts.length - 1]) // the KB-JWT
    return { presentation: parts.join('~'), what: 'KB-JWT signature' }
  }
  if (format === 'jwt_vc_json') return { presentation: flipJwsSignature(presentation), what: 'VP-JWT signature' }
  const proof = Array.isArray(presentation.proof) ? presentation.proof[0] : presentation.proof
  return {
    presentation: { ...presentation, proof: { ...proof, proofValue: flipMultibase(proof.proofValue) } },
    what: 'VP proofValue',
  }
}

/** The credential query this credential answers: --query-id, else the only/first query of its format. */
function chooseQuery(dcql, format) {
  const queries = dcql?.credentials ?? []
  if (args['query-id']) {
    const q = queries.find((c) => c.id === args['query-id'])
    if (!q) throw new Error(`dcql_query has no credential query ${args['query-id']}`)
    return q
  }
  const q = queries.find((c) => c.format === format)
  if (!q) throw new Error(`dcql_query asks for no ${format} credential (formats: ${queries.map((c) => c.format)})`)
  return q
}

async function main() {
  if (!args.request) throw new Error('--request is required')
  if (!args['credential-file']) throw new Error('--credential-file is required')
  if (args.enc && !ENC_VALUES.includes(args.enc)) throw new Error(`--enc must be one of ${ENC_VALUES}`)
  if (args['allow-insecure-urls']) setGlobalConfig({ allowInsecureUrls: true })

  const issued = JSON.parse(readFileSync(args['credential-file'], 'utf8'))
  const privateJwk = issued.holder_private_jwks?.[0]
  if (!privateJwk) throw new Error('the credential file has no holder_private_jwks (run wallet_vci.mjs --export-private-keys)')
  const holder = { ...holderKeyFromPrivateJwk(privateJwk), did: issued.holder_did }
  const format = issued.format
  const credential = issued.credentials[0]

  const report = { x5c_trust: null }
  const http = []
  const walletNonce = b64u.encode(randomBytes(16))
  let requestUri
  let libraryPostBody = null

  const callbacks = {
    fetch: async (input, init = {}) => {
      let request = init
      const method = String(init.method ?? 'GET').toUpperCase()
      if (method === 'POST' && String(input) === requestUri) {
        libraryPostBody = init.body === undefined ? null : String(init.body)
        if (!args['library-post-body']) {
          // Quirk (0.4.6): fetchJarRequestObject builds {wallet_metadata, wallet_nonce} and then sends
          // objectToQueryParams(wallet.metadata) instead: metadata members as top-level form fields, no
          // wallet_nonce. Send what OpenID4VP 1.0 #section-5.10 defines (both members are form parameters).
          const body = new URLSearchParams({ wallet_metadata: JSON.stringify(WALLET_METADATA), wallet_nonce: walletNonce })
          request = { ...init, body: body.toString() }
        }
      }
      const response = await fetch(input, request)
      http.push({ method, url: String(input), status: response.status })
      return response
    },
    hash: (data, alg) => {
      const name = HASHES[alg]
      if (!name) throw new Error(`unsupported hash ${alg}`)
      return new Uint8Array(createHash(name).update(data).digest())
    },
    generateRandom: (n) => new Uint8Array(randomBytes(n)),
    verifyJwt: async (signer, { compact, header }) => {
      let jwk
      if (signer.method === 'did') {
        const material = resolveDidKeyMaterial(signer.didUrl)
        if (!material) throw new Error(`cannot resolve ${signer.didUrl} offline (did:key / did:jwk only)`)
        jwk = material.jwk
      } else if (signer.method === 'x5c') {
        jwk = trustX5c(signer.x5c, report).publicKey.export({ format: 'jwk' })
      } else if (signer.method === 'jwk') {
        jwk = signer.publicJwk
      } else {
        return { verified: false }
      }
      report.request_object = { signer_method: signer.method, alg: header.alg, kid: header.kid ?? null, typ: header.typ ?? null }
      try {
        await compactVerify(compact, await importJWK(jwk, header.alg))
        report.request_object.signature_verified = true
        return { verified: true, signerJwk: jwk }
      } catch {
        report.request_object.signature_verified = false
        return { verified: false, signerJwk: jwk }
      }
    },
    getX509CertificateMetadata: (certificate) => {
      const { dns, uri } = sanNames(new X509Certificate(Buffer.from(certificate, 'base64')))
      return { sanDnsNames: dns, sanUriNames: uri }
    },
    signJwt: async () => {
      throw new Error('this wallet does not sign JARM responses')
    },
    encryptJwe: async (encryptor, data) => {
      const header = { alg: encryptor.alg, enc: encryptor.enc }
      if (encryptor.publicJwk.kid) header.kid = encryptor.publicJwk.kid
      let jwe = new CompactEncrypt(new TextEncoder().encode(data)).setProtectedHeader(header)
      const kmp = {}
      if (encryptor.apu) kmp.apu = b64u.decode(encryptor.apu)
      if (encryptor.apv) kmp.apv = b64u.decode(encryptor.apv)
      if (Object.keys(kmp).length) jwe = jwe.setKeyManagementParameters(kmp)
      report.jwe_header = { ...header, apu: encryptor.apu ?? null, apv: encryptor.apv ?? null }
      return { jwe: await jwe.encrypt(await importJWK(encryptor.publicJwk, encryptor.alg)), encryptionJwk: encryptor.publicJwk }
    },
    decryptJwe: async () => ({ decrypted: false }),
  }
  const client = new Openid4vpClient({ callbacks })

  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: args.request })
  requestUri = parsed.params.request_uri
  const byPost = parsed.params.request_uri_method === 'post'
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
    // expectedNonce makes the library require wallet_nonce in the Request Object (and match it).
    wallet: byPost
      ? { metadata: WALLET_METADATA, ...(args['library-post-body'] ? {} : { expectedNonce: walletNonce }) }
      : undefined,
  })
  const request = resolved.authorizationRequestPayload
  const clientId = resolved.client.effective
  const responseMode = request.response_mode ?? 'fragment'

  const query = chooseQuery(resolved.dcql?.query, format)
  const disclose = args.disclose.map(parsePath)
  let { presentation, frame } = await buildPresentation({
    format,
    credential,
    holder,
    clientId,
    nonce: request.nonce,
    disclose,
  })
  let tampered = null
  if (args.tamper) ({ presentation, what: tampered } = tamper(format, presentation))

  const jarm = responseMode === 'direct_post.jwt'
    ? {
        encryption: {},
        serverMetadata: {
          authorization_signing_alg_values_supported: [],
          authorization_encryption_alg_values_supported: ['ECDH-ES'],
          authorization_encryption_enc_values_supported: args.enc ? [args.enc] : ENC_VALUES,
        },
      }
    : undefined
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
    jarm,
  })
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm ? { responseJwt: response.jarm.responseJwt } : undefined,
  })
  const text = await submitted.response.text()
  let body
  try {
    body = text ? JSON.parse(text) : {}
  } catch {
    body = { _raw: text.slice(0, 2000) }
  }
  const result = {
    library: '@openid4vc/openid4vp',
    versions: {
      '@openid4vc/openid4vp': packageVersion('@openid4vc/openid4vp'),
      '@sd-jwt/sd-jwt-vc': packageVersion('@sd-jwt/sd-jwt-vc'),
      '@digitalcredentials/vc': packageVersion('@digitalcredentials/vc'),
      jose: packageVersion('jose'),
    },
    submitted: true,
    response_status: submitted.response.status,
    response_body: body,
    client_id: clientId,
    client_id_prefix: resolved.client.prefix,
    response_mode: submitted.responseMode,
    format,
    query_id: query.id,
    disclosed: disclose,
    sd_jwt_frame: frame ?? null,
    holder_did: holder.did,
    tampered,
    version: resolved.version,
    request_by: parsed.params.request_uri ? 'reference' : 'value',
    request_uri_method: parsed.params.request_uri_method ?? null,
    wallet_nonce: byPost ? { sent: !args['library-post-body'], in_request_object: request.wallet_nonce ?? null } : null,
    library_post_body: libraryPostBody,
    request_object: report.request_object ?? null,
    x5c_trust: report.x5c_trust,
    jwe_header: report.jwe_header ?? null,
    http,
  }
  if (!submitted.response.ok) {
    const err = new Error(`the Response URI answered ${submitted.response.status}`)
    err.details = result
    throw err
  }
  return result
}

await run(main)
