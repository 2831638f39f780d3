// Offline JSON-LD document loader for @digitalcredentials/vc: serves the context files in
// ../contexts/ (see contexts/SOURCES.md), did:key / did:jwk DID documents and verification methods
// derived locally, and controller documents handed in by the caller. Any other URL is refused
// (and recorded), so a verification never touches the network.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { INTEROP_DIR, multikeyToJwk, resolveDidKeyMaterial } from './common.mjs'

const DID_V1 = 'https://www.w3.org/ns/did/v1'
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1'
const JWK_V1 = 'https://w3id.org/security/jwk/v1'

function loadContexts() {
  const dir = join(INTEROP_DIR, 'contexts')
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))
  const map = new Map()
  for (const [url, file] of Object.entries(index)) map.set(url, JSON.parse(readFileSync(join(dir, file), 'utf8')))
  return map
}

/** did:key / did:jwk -> {didDocument, verificationMethod} (offline). */
export function didDocumentFor(did) {
  const material = resolveDidKeyMaterial(did)
  if (!material) return null
  let vm
  if (material.multibase) {
    multikeyToJwk(material.multibase) // validates the key
    vm = {
      '@context': MULTIKEY_V1,
      id: `${did}#${material.multibase}`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: material.multibase,
    }
  } else {
    vm = { '@context': JWK_V1, id: `${did}#0`, type: 'JsonWebKey', controller: did, publicKeyJwk: material.jwk }
  }
  const { '@context': vmContext, ...vmBody } = vm
  const didDocument = {
    '@context': [DID_V1, vmContext],
    id: did,
    verificationMethod: [vmBody],
    assertionMethod: [vm.id],
    authentication: [vm.id],
  }
  return { didDocument, verificationMethod: vm }
}

/**
 * Build the loader. `controllerDocuments`: documents (DID documents or controller documents) to serve by
 * their `id`; each embedded verification method is also served by its own id.
 */
export function createDocumentLoader({ controllerDocuments = [] } = {}) {
  const contexts = loadContexts()
  const extra = new Map()
  for (const doc of controllerDocuments) {
    extra.set(doc.id, doc)
    const ctx = Array.isArray(doc['@context']) ? doc['@context'].slice(1) : []
    const vmContext = ctx.length === 1 ? ctx[0] : ctx.length ? ctx : MULTIKEY_V1
    const embedded = [doc.verificationMethod, doc.assertionMethod, doc.authentication].flat()
    for (const vm of embedded) {
      if (vm && typeof vm === 'object' && typeof vm.id === 'string') extra.set(vm.id, { '@context': vmContext, ...vm })
    }
  }
  const loaded = []
  const refused = []
  const documentLoader = async (url) => {
    const respond = (document, source) => {
      loaded.push({ url, source })
      return { contextUrl: null, documentUrl: url, document: structuredClone(document) }
    }
    if (contexts.has(url)) return respond(contexts.get(url), 'context')
    if (extra.has(url)) return respond(extra.get(url), 'controller-document')
    if (url.startsWith('did:key:') || url.startsWith('did:jwk:')) {
      const resolved = didDocumentFor(url.split('#')[0])
      if (!url.includes('#')) return respond(resolved.didDocument, 'did')
      if (url === resolved.verificationMethod.id) return respond(resolved.verificationMethod, 'did')
    }
    refused.push(url)
    throw new Error(`offline document loader refused ${url}`)
  }
  return { documentLoader, loaded, refused }
}
