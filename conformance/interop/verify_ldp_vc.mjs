#!/usr/bin/env node
// Verify a Data Integrity secured credential (`ldp_vc`) with @digitalcredentials/vc:
// DataIntegrityProof + eddsa-rdfc-2022 and Ed25519Signature2020, did:key / did:jwk resolved offline,
// contexts from ./contexts only.
//
//   node verify_ldp_vc.mjs --credential '<json>'|@file [--controller-document '<json>'|@file ...]
//        [--holder-jwk '<json>'] [--signature-only] [--now <ISO date>]
import { DataIntegrityProof } from '@digitalcredentials/data-integrity'
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020'
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite'
import jsigs from '@digitalcredentials/jsonld-signatures'
import * as vc from '@digitalcredentials/vc'
import { cli, describeError, jsonArg, packageVersion, resolveDidKeyMaterial, run, sameKey } from './lib/common.mjs'
import { createDocumentLoader } from './lib/loader.mjs'

const args = cli({
  credential: { type: 'string' },
  'controller-document': { type: 'string', multiple: true, default: [] },
  'holder-jwk': { type: 'string' },
  // Check the signature and the VM's assertionMethod relationship only, not issuer == VM controller.
  'signature-only': { type: 'boolean', default: false },
  now: { type: 'string' },
})

async function main() {
  const credential = jsonArg(args.credential, 'credential')
  if (!credential) throw new Error('--credential is required')
  const controllerDocuments = args['controller-document'].map((d) => jsonArg(d, 'controller-document'))
  const { documentLoader, loaded, refused } = createDocumentLoader({ controllerDocuments })
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new Ed25519Signature2020()]

  // Quirk: verifyCredential spreads `...options` after its own defaults, so an explicit
  // `purpose: undefined` (or `now: undefined`) wipes them out; only set keys that have values.
  const options = {
    credential,
    suite,
    documentLoader,
    // Status is not checked here (no network); its presence is reported instead.
    checkStatus: async () => ({ verified: true }),
  }
  if (args.now) options.now = new Date(args.now)
  if (args['signature-only']) options.purpose = new jsigs.purposes.AssertionProofPurpose()
  const result = await vc.verifyCredential(options)
  const proofs = [credential.proof].flat().filter(Boolean)
  const subjects = [credential.credentialSubject].flat().filter(Boolean)

  let holderBinding = null
  const holderJwk = jsonArg(args['holder-jwk'], 'holder-jwk')
  if (holderJwk) {
    const bound = subjects.map((s) => s.id).filter(Boolean).map((id) => {
      const material = id.startsWith('did:') ? resolveDidKeyMaterial(id) : null
      return { id, resolvable: material !== null, matches: material !== null && sameKey(material.jwk, holderJwk) }
    })
    holderBinding = { subject_ids: bound, matches: bound.some((b) => b.matches) }
  }

  const out = {
    library: '@digitalcredentials/vc',
    versions: {
      '@digitalcredentials/vc': packageVersion('@digitalcredentials/vc'),
      '@digitalcredentials/data-integrity': packageVersion('@digitalcredentials/data-integrity'),
      '@digitalcredentials/eddsa-rdfc-2022-cryptosuite': packageVersion('@digitalcredentials/eddsa-rdfc-2022-cryptosuite'),
      '@digitalcredentials/ed25519-signature-2020': packageVersion('@digitalcredentials/ed25519-signature-2020'),
    },
    valid: result.verified === true,
    purpose: args['signature-only'] ? 'assertionMethod (signature only)' : 'CredentialIssuancePurpose (issuer = VM controller)',
    proofs: proofs.map((p) => ({
      type: p.type,
      cryptosuite: p.cryptosuite ?? null,
      verificationMethod: p.verificationMethod,
      proofPurpose: p.proofPurpose,
    })),
    proof_results: (result.results ?? []).map((r) => ({ verified: r.verified, error: r.error ? describeError(r.error) : undefined })),
    log: result.log ?? null,
    credential_status_present: credential.credentialStatus !== undefined,
    issuer: typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id,
    credential_subject_ids: subjects.map((s) => s.id ?? null),
    holder_binding: holderBinding,
    documents_loaded: loaded,
    documents_refused: refused,
  }
  if (!out.valid) {
    const err = new Error('credential did not verify')
    err.cause = result.error
    err.errors = (result.results ?? []).map((r) => r.error).filter(Boolean)
    err.details = out
    throw err
  }
  return out
}

await run(main)
