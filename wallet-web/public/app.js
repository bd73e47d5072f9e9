// The wallet page: add credentials (paste or file), keep them in IndexedDB, show them as cards, verify them remotely.
// Credential data is attacker-controlled: it only ever reaches the page through textContent, never innerHTML.
/* global document, window, localStorage, indexedDB, fetch, Blob, AbortSignal, HTMLDialogElement */
import { parseCredential, documentOf, summarize, MAX_INPUT_CHARS } from './parse-credential.js'
import { LANGUAGES, t, has, describeReason } from './i18n.js'

const LANG_KEY = 'credit-bank-wallet.lang'
const DB_NAME = 'credit-bank-wallet'
const STORE = 'credentials'
const VERIFY_TIMEOUT_MS = 20_000

const state = {
  lang: storedLanguage(),
  /** @type {string | null} */ verifierUrl: null,
  /** @type {IDBDatabase | null} */ db: null,
  /** Stored records, newest first: { key, kind, format, raw, addedAt }. */
  records: [],
  /** Per record key: { pending: true } | { report } | { error, params } — kept as data so a language switch re-renders it. */
  outcomes: new Map(),
  /** Keys whose raw view is open. */
  rawOpen: new Set(),
  /** The last notice and add-form error, as message keys. */
  notice: null,
  addError: null,
}

const $ = (id) => document.getElementById(id)
const tr = (key, params) => t(state.lang, key, params)

// ---- storage -------------------------------------------------------------------------------

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' })
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

function inStore(mode, action) {
  return new Promise((resolve, reject) => {
    const req = action(state.db.transaction(STORE, mode).objectStore(STORE))
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

// ---- small DOM helpers -----------------------------------------------------------------------

/** Creates an element; `text` is always set with textContent. */
function el(tag, { text, className, attrs = {} } = {}, children = []) {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (className) node.className = className
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value)
  for (const child of children) if (child) node.append(child)
  return node
}

function button(label, action, extraClass) {
  return el('button', { text: label, className: extraClass, attrs: { type: 'button', 'data-action': action } })
}

function formatDate(value) {
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return value
  return new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms))
}

// ---- rendering -------------------------------------------------------------------------------

function render() {
  document.documentElement.lang = state.lang
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = tr(node.dataset.i18n)
  $('lang-toggle').lang = LANGUAGES.find((l) => l !== state.lang)
  $('notice').textContent = state.notice ? tr(state.notice.key, state.notice.params) : ''
  $('add-error').textContent = state.addError ? tr(`error.${state.addError}`) : ''
  renderList()
}

function renderList() {
  $('count').textContent = state.records.length ? tr('count', { n: state.records.length }) : ''
  $('empty').hidden = state.records.length > 0
  $('cards').replaceChildren(...state.records.map((record, i) => renderCard(record, i)))
}

function titleOf(summary) {
  return summary.name ?? summary.achievementName ?? (summary.report ? tr('reportType') : tr('credential'))
}

function renderCard(record, index) {
  const doc = documentOf(record) ?? {}
  const s = summarize(doc, state.lang)
  const headingId = `card-${index}-title`
  const rows = []
  const row = (key, value) => {
    if (value === undefined || value === '') return
    rows.push(el('dt', { text: tr(`field.${key}`) }), el('dd', { text: String(value) }))
  }
  if (s.report) {
    row('reportNumber', s.reportNumber)
    row('totalCredits', s.totalCredits)
  } else {
    if (s.achievementName !== s.name) row('achievement', s.achievementName)
    row('credits', s.credits)
    row('frameworkLevel', s.frameworkLevel)
    row('category', s.category && has(state.lang, `category.${s.category}`) ? tr(`category.${s.category}`) : s.category)
  }
  row('issuer', [s.issuerName, s.issuerId].filter(Boolean).join(' · '))
  row('learner', s.learner)
  row('validFrom', s.validFrom && formatDate(s.validFrom))
  row('validUntil', s.validUntil && formatDate(s.validUntil))
  row('format', record.format)

  const rawOpen = state.rawOpen.has(record.key)
  const rawId = `card-${index}-raw`
  const verifyButton = button(tr('verify'), 'verify')
  if (!state.verifierUrl) verifyButton.disabled = true
  // While pending the button stays focusable (aria-disabled, not disabled) so keyboard focus is not lost.
  else if (state.outcomes.get(record.key)?.pending) verifyButton.setAttribute('aria-disabled', 'true')
  const rawButton = button(tr(rawOpen ? 'hideRaw' : 'showRaw'), 'raw', 'secondary')
  rawButton.setAttribute('aria-expanded', String(rawOpen))
  rawButton.setAttribute('aria-controls', rawId)

  const card = el('li', { className: 'card', attrs: { 'data-index': String(index) } }, [
    el('article', { attrs: { 'aria-labelledby': headingId } }, [
      el('h3', { text: titleOf(s), attrs: { id: headingId } }),
      s.report ? el('p', { text: tr('reportType'), className: 'kind' }) : null,
      el('dl', {}, rows),
      el('div', { className: 'row actions' }, [
        verifyButton,
        rawButton,
        button(tr('download'), 'download', 'secondary'),
        button(tr('delete'), 'delete', 'danger'),
      ]),
      renderOutcome(state.outcomes.get(record.key)),
      rawOpen ? renderRaw(record, doc, rawId) : null,
    ]),
  ])
  return card
}

function renderOutcome(outcome) {
  if (!outcome) return null
  if (outcome.pending) return el('p', { text: tr('verifying'), className: 'outcome' })
  if (outcome.error) return el('p', { text: tr(outcome.error, outcome.params), className: 'outcome error' })
  const { report } = outcome
  const items = report.checks.map((check) => {
    const id = String(check.id)
    const status = ['passed', 'failed', 'skipped'].includes(check.status) ? check.status : 'failed'
    return el('li', { className: `check ${status}` }, [
      el('span', { text: has(state.lang, `check.${id}`) ? tr(`check.${id}`) : id, className: 'check-name' }),
      el('span', { text: tr(`status.${status}`), className: 'check-status' }),
      typeof check.reason === 'string' ? el('code', { text: check.reason, attrs: { title: tr('reason') } }) : null,
      describeReason(state.lang, check) !== undefined
        ? el('span', { text: describeReason(state.lang, check), className: 'check-message' })
        : null,
    ])
  })
  return el('div', { className: 'outcome' }, [
    el('p', { text: tr(report.verified ? 'verified' : 'notVerified'), className: `badge ${report.verified ? 'ok' : 'bad'}` }),
    el('ul', { className: 'checks' }, items),
  ])
}

function renderRaw(record, doc, id) {
  const raw = record.kind === 'jwt' ? record.raw : JSON.stringify(record.raw, null, 2)
  return el('div', { className: 'raw', attrs: { id } }, [
    el('p', { text: tr('rawLabel'), className: 'raw-label' }),
    el('pre', { text: raw, attrs: { tabindex: '0' } }),
    record.kind === 'jwt' ? el('p', { text: tr('decodedLabel'), className: 'raw-label' }) : null,
    record.kind === 'jwt' ? el('pre', { text: JSON.stringify(doc, null, 2), attrs: { tabindex: '0' } }) : null,
  ])
}

/** Re-renders one card in place and puts focus back on the button that was used. */
function refreshCard(key, action) {
  const index = state.records.findIndex((r) => r.key === key)
  const old = $('cards').children[index]
  if (!old) return
  const hadFocus = old.contains(document.activeElement)
  const fresh = renderCard(state.records[index], index)
  old.replaceWith(fresh)
  if (hadFocus) fresh.querySelector(`[data-action="${action}"]`)?.focus()
}

function setNotice(key, params) {
  state.notice = { key, params }
  $('notice').textContent = tr(key, params)
}

// ---- actions ---------------------------------------------------------------------------------

async function addFromText(text) {
  const parsed = parseCredential(text)
  state.addError = parsed.ok ? null : parsed.error
  $('add-error').textContent = parsed.ok ? '' : tr(`error.${parsed.error}`)
  $('paste').setAttribute('aria-invalid', String(!parsed.ok))
  if (!parsed.ok) return
  const { key, kind, format, raw } = parsed.record
  const name = titleOf(summarize(parsed.record.document, state.lang))
  if (state.records.some((r) => r.key === key)) return setNotice('duplicate')
  const record = { key, kind, format, raw, addedAt: new Date().toISOString() }
  if (state.db) {
    try {
      await inStore('readwrite', (store) => store.add(record))
    } catch (err) {
      return setNotice(err?.name === 'ConstraintError' ? 'duplicate' : 'storageFailed', { detail: err?.name ?? '' })
    }
  }
  state.records.unshift(record)
  state.outcomes.delete(key)
  $('paste').value = ''
  setNotice('added', { name })
  renderList()
}

async function verify(record) {
  if (state.outcomes.get(record.key)?.pending) return
  state.outcomes.set(record.key, { pending: true })
  refreshCard(record.key, 'verify')
  let outcome
  try {
    const res = await fetch(`${state.verifierUrl.replace(/\/+$/, '')}/credentials/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ verifiableCredential: record.raw }),
      signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
    })
    const body = await res.json().catch(() => null)
    // 200 and 400 both carry a report; anything else (a problem document, a proxy page) is an error.
    if (body && typeof body.verified === 'boolean' && Array.isArray(body.checks)) outcome = { report: body }
    else outcome = { error: 'verifierError', params: { status: res.status, detail: String(body?.title ?? body?.code ?? res.statusText) } }
  } catch (err) {
    outcome = { error: 'networkError', params: { detail: err?.name === 'TimeoutError' ? 'timeout' : String(err?.message ?? err) } }
  }
  state.outcomes.set(record.key, outcome)
  const name = titleOf(summarize(documentOf(record) ?? {}, state.lang))
  if (outcome.report) setNotice(outcome.report.verified ? 'verifiedNotice' : 'notVerifiedNotice', { name })
  else setNotice(outcome.error, outcome.params)
  refreshCard(record.key, 'verify')
}

function download(record) {
  const s = summarize(documentOf(record) ?? {}, state.lang)
  const base =
    titleOf(s)
      .replace(/[^\p{L}\p{N}_-]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'credential'
  const isJwt = record.kind === 'jwt'
  const blob = new Blob([isJwt ? record.raw : JSON.stringify(record.raw, null, 2)], {
    type: isJwt ? 'application/jwt' : 'application/json',
  })
  const url = URL.createObjectURL(blob)
  const link = el('a', { attrs: { href: url, download: `${base}.${isJwt ? 'jwt' : 'json'}` } })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

function confirmDelete(name) {
  const dialog = $('confirm')
  $('confirm-text').textContent = tr('confirmText', { name })
  if (typeof HTMLDialogElement !== 'function' || typeof dialog.showModal !== 'function')
    return Promise.resolve(window.confirm(tr('confirmText', { name })))
  return new Promise((resolve) => {
    dialog.returnValue = ''
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'delete'), { once: true })
    dialog.showModal()
  })
}

async function remove(record) {
  const name = titleOf(summarize(documentOf(record) ?? {}, state.lang))
  if (!(await confirmDelete(name))) return
  if (state.db) {
    try {
      await inStore('readwrite', (store) => store.delete(record.key))
    } catch (err) {
      return setNotice('storageFailed', { detail: err?.name ?? '' })
    }
  }
  state.records = state.records.filter((r) => r.key !== record.key)
  state.outcomes.delete(record.key)
  state.rawOpen.delete(record.key)
  setNotice('deleted', { name })
  renderList()
  $('list-heading').focus()
}

// ---- wiring ----------------------------------------------------------------------------------

function storedLanguage() {
  try {
    const lang = localStorage.getItem(LANG_KEY)
    return LANGUAGES.includes(lang) ? lang : LANGUAGES[0]
  } catch {
    return LANGUAGES[0]
  }
}

function wire() {
  $('lang-toggle').addEventListener('click', () => {
    state.lang = LANGUAGES.find((l) => l !== state.lang)
    try {
      localStorage.setItem(LANG_KEY, state.lang)
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    render()
    $('lang-toggle').focus()
  })
  $('add-form').addEventListener('submit', (event) => {
    event.preventDefault()
    addFromText($('paste').value)
  })
  $('file').addEventListener('change', async (event) => {
    const input = event.target
    const file = input.files?.[0]
    input.value = ''
    if (!file) return
    if (file.size > MAX_INPUT_CHARS) return setNotice('fileTooLarge')
    let text
    try {
      text = await file.text()
    } catch {
      return setNotice('fileUnreadable')
    }
    await addFromText(text)
  })
  // One listener for every card's buttons: cards are rebuilt often.
  $('cards').addEventListener('click', (event) => {
    const target = event.target.closest('button[data-action]')
    const card = target?.closest('li.card')
    const record = card && state.records[Number(card.dataset.index)]
    if (!record) return
    const action = target.dataset.action
    if (action === 'verify') verify(record)
    else if (action === 'download') download(record)
    else if (action === 'delete') remove(record)
    else if (action === 'raw') {
      if (!state.rawOpen.delete(record.key)) state.rawOpen.add(record.key)
      refreshCard(record.key, 'raw')
    }
  })
}

async function start() {
  wire()
  render()
  const [config, db] = await Promise.allSettled([
    fetch('config.json', { headers: { accept: 'application/json' } }).then((res) =>
      res.ok ? res.json() : Promise.reject(new Error(String(res.status))),
    ),
    openDb(),
  ])
  if (config.status === 'fulfilled' && typeof config.value.verifierUrl === 'string') state.verifierUrl = config.value.verifierUrl
  else setNotice('configFailed')
  if (db.status === 'fulfilled') {
    state.db = db.value
    try {
      const records = await inStore('readonly', (store) => store.getAll())
      state.records = records.sort((a, b) => String(b.addedAt).localeCompare(String(a.addedAt)))
    } catch (err) {
      setNotice('storageFailed', { detail: err?.name ?? '' })
    }
  } else {
    setNotice('storageUnavailable')
  }
  renderList()
}

start()
