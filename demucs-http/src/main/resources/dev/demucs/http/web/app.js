// The page of the Demucs HTTP service: submit jobs, follow them, play and download the stems.
// Plain browser JavaScript, no build step and no third-party code. Every API call carries the
// token as an Authorization header; the token never goes into a URL.
'use strict';

(() => {
  const TOKEN_KEY = 'demucs.token';
  const POLL_MIN_MS = 500;
  const POLL_MAX_MS = 5000;
  const POLL_ERROR_MAX_MS = 15000;
  const STEM_FILE = /^segment_(\d+)_(.+)\.wav$/;
  const COMPLEMENT = 'instrum'; // the job's name for "everything but the two-stem choice"

  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    watched: new Map(), // job id -> {item, delay, timer, key}
    mine: new Set(), // jobs submitted from this page: opened in the player when done
    maxShifts: 20,
    maxInputBytes: null,
    statusTimer: null,
    player: null,
  };

  // ---- API access -------------------------------------------------------------------------

  class AuthError extends Error {}

  function authHeaders(extra) {
    const h = new Headers(extra || {});
    if (state.token) {
      h.set('Authorization', 'Bearer ' + state.token);
    }
    return h;
  }

  async function errorText(res) {
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') {
        return body.error;
      }
    } catch (e) {
      // not JSON: fall back to the status line
    }
    return `${res.status} ${res.statusText}`;
  }

  /** fetch with the token; a 401 shows the token prompt and throws AuthError. */
  async function api(path, options = {}) {
    const res = await fetch(path, { ...options, headers: authHeaders(options.headers), cache: 'no-store' });
    if (res.status === 401) {
      const message = await errorText(res);
      needToken(message);
      throw new AuthError(message);
    }
    hideAuthPrompt();
    if (!res.ok) {
      const err = new Error(await errorText(res));
      err.status = res.status;
      throw err;
    }
    return res;
  }

  async function apiJson(path, options) {
    return (await api(path, options)).json();
  }

  const jobPath = (id) => '/job/' + encodeURIComponent(id);
  const resultPath = (id, name) => '/result/' + encodeURIComponent(id) + '/' + encodeURIComponent(name);

  // ---- token and messages -----------------------------------------------------------------

  function needToken(message) {
    const prompt = $('auth-prompt');
    const wasHidden = prompt.hidden;
    $('auth-detail').textContent = state.token
      ? `The token was not accepted (${message}). Check it in the “API token” field above and press “Use token”.`
      : 'Enter the token in the “API token” field above and press “Use token”.';
    prompt.hidden = false;
    document.body.dataset.auth = 'required';
    if (wasHidden) {
      $('token').focus();
    }
  }

  function hideAuthPrompt() {
    $('auth-prompt').hidden = true;
    document.body.dataset.auth = 'ok';
  }

  function showError(message) {
    const box = $('error');
    box.textContent = message;
    box.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
  }

  /** Reports a failed action unless it was a 401 (the token prompt says it then). */
  function report(what, e) {
    if (!(e instanceof AuthError)) {
      showError(`${what}: ${e.message}`);
    }
  }

  function setupToken() {
    $('token').value = state.token;
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      state.token = $('token').value.trim();
      if (state.token) {
        sessionStorage.setItem(TOKEN_KEY, state.token);
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
      }
      clearError();
      refreshAll();
    });
    $('token-clear').addEventListener('click', () => {
      state.token = '';
      $('token').value = '';
      sessionStorage.removeItem(TOKEN_KEY);
      refreshAll();
    });
  }

  // ---- formatting -------------------------------------------------------------------------

  function fmtBytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) {
      return String(n);
    }
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
  }

  function fmtTime(s) {
    s = Math.max(0, s || 0);
    const m = Math.floor(s / 60);
    const sec = Math.floor(s % 60);
    return `${m}:${String(sec).padStart(2, '0')}`;
  }

  function fmtLimit(key, value) {
    if (value === null || value === undefined) {
      return 'no cap';
    }
    if (typeof value === 'number' && /bytes/.test(key)) {
      return fmtBytes(value);
    }
    if (typeof value === 'number' && /seconds/.test(key)) {
      return value >= 120 ? `${value} s (${fmtTime(value)})` : `${value} s`;
    }
    if (Array.isArray(value)) {
      return value.join(', ');
    }
    if (value && typeof value === 'object') {
      return JSON.stringify(value);
    }
    return String(value);
  }

  const humanKey = (k) => k.replace(/_/g, ' ');

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === 'dataset') {
        Object.assign(e.dataset, v);
      } else if (k in e && k !== 'list') {
        e[k] = v;
      } else {
        e.setAttribute(k, v);
      }
    });
    children.flat().forEach((c) => c != null && e.append(c));
    return e;
  }

  // ---- server status and limits -----------------------------------------------------------

  async function loadStatus() {
    clearTimeout(state.statusTimer);
    let s;
    try {
      s = await apiJson('/status');
    } catch (e) {
      $('server-status').textContent = e instanceof AuthError ? 'Token required.' : `Unreachable: ${e.message}`;
      if (!(e instanceof AuthError)) {
        state.statusTimer = setTimeout(loadStatus, 5000);
      }
      return;
    }
    const model = s.model ? `Model ${s.model}` : 'Model';
    const ready = s.models_ready ? 'ready' : s.model_error ? `failed: ${s.model_error}` : 'loading…';
    const parts = [`${model}: ${ready}`, `device ${s.device}`, `${s.workers} worker(s)`,
      `${s.active_jobs} running, ${s.queued_jobs} queued` + (s.queue_capacity ? ` (queue holds ${s.queue_capacity})` : ''),
      `version ${s.version}`];
    if (s.device_fallback) {
      parts.push(`fallback: ${s.device_fallback}`);
    }
    $('server-status').textContent = parts.join(' · ');
    showLimits(s.limits);
    if (!s.models_ready && !s.model_error) {
      state.statusTimer = setTimeout(loadStatus, 2000);
    }
  }

  /** Shows the server's "limits" object when it has one; reads the few it can enforce early. */
  function showLimits(limits) {
    const dl = $('limits');
    dl.replaceChildren();
    if (!limits || typeof limits !== 'object') {
      dl.hidden = true;
      return;
    }
    Object.entries(limits).forEach(([k, v]) => dl.append(el('dt', { textContent: humanKey(k) }), el('dd', { textContent: fmtLimit(k, v) })));
    dl.hidden = dl.childElementCount === 0;
    const shifts = limits.max_shifts ?? limits.shifts_max;
    if (Number.isInteger(shifts)) {
      state.maxShifts = shifts;
      $('shifts').max = String(shifts);
      $('shifts-max').textContent = String(shifts);
    }
    const bytes = limits.max_input_bytes ?? limits.max_upload_bytes;
    state.maxInputBytes = Number.isFinite(bytes) ? bytes : null;
    const stems = limits.stems ?? limits.sources;
    if (Array.isArray(stems) && stems.length) {
      const select = $('two_stems');
      const chosen = select.value;
      select.replaceChildren(el('option', { value: '', textContent: 'server default' }),
        ...stems.map((n) => el('option', { value: String(n), textContent: String(n) })));
      select.value = stems.includes(chosen) ? chosen : '';
    }
  }

  // ---- submitting -------------------------------------------------------------------------

  /** The options of the form as text fields, only those the user set; throws on bad input. */
  function options() {
    const out = {};
    const cut = $('interval_cut').value.trim();
    if (cut) {
      if (!/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/.test(cut)) {
        throw new Error('cut points must be seconds separated by commas, e.g. 300,600');
      }
      out.interval_cut = cut.replace(/\s+/g, '');
    }
    if ($('all_stems').checked) {
      out.all_stems = 'true';
    }
    if ($('two_stems').value) {
      out.two_stems = $('two_stems').value;
    }
    const shifts = $('shifts').value.trim();
    if (shifts) {
      const n = Number(shifts);
      if (!Number.isInteger(n) || n < 0 || n > state.maxShifts) {
        throw new Error(`shifts must be a whole number from 0 to ${state.maxShifts}`);
      }
      out.shifts = shifts;
    }
    return out;
  }

  function setupSubmit() {
    const drop = $('drop');
    const file = $('file');
    const showFile = () => {
      const f = file.files[0];
      $('file-name').textContent = f ? `${f.name} (${fmtBytes(f.size)})` : '';
    };
    file.addEventListener('change', showFile);
    ['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    }));
    ['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, () => drop.classList.remove('over')));
    drop.addEventListener('drop', (ev) => {
      ev.preventDefault();
      if (ev.dataTransfer.files.length) {
        file.files = ev.dataTransfer.files;
        showFile();
      }
    });
    // a file dropped beside the box must not navigate away from the page
    ['dragover', 'drop'].forEach((t) => document.addEventListener(t, (ev) => ev.preventDefault()));

    $('submit-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearError();
      let fields;
      try {
        fields = options();
      } catch (e) {
        showError(e.message);
        return;
      }
      const f = file.files[0];
      const url = $('url').value.trim();
      if (f && url) {
        showError('Choose either a file or a URL, not both.');
        return;
      }
      if (!f && !url) {
        showError('Choose an audio file (or drop one on the box) or enter a URL.');
        return;
      }
      if (f && state.maxInputBytes != null && f.size > state.maxInputBytes) {
        showError(`${f.name} is ${fmtBytes(f.size)}; the server accepts up to ${fmtBytes(state.maxInputBytes)}.`);
        return;
      }
      if (f) {
        upload(f, fields);
      } else {
        submitUrl(url, fields);
      }
    });
  }

  function upload(f, fields) {
    const form = new FormData();
    Object.entries(fields).forEach(([k, v]) => form.append(k, v));
    form.append('file', f, f.name);
    const xhr = new XMLHttpRequest();
    const box = $('upload');
    const bar = $('upload-progress');
    const text = $('upload-text');
    box.hidden = false;
    $('upload-abort').hidden = false;
    bar.value = 0;
    text.textContent = '0 %';
    $('submit').disabled = true;
    xhr.upload.addEventListener('progress', (ev) => {
      if (ev.lengthComputable) {
        const pct = Math.round((ev.loaded / ev.total) * 100);
        bar.value = pct;
        text.textContent = `${pct} % of ${fmtBytes(ev.total)}`;
      }
    });
    xhr.upload.addEventListener('load', () => {
      bar.value = 100;
      text.textContent = '100 %: the server is storing the file…';
    });
    const done = () => {
      $('submit').disabled = false;
      $('upload-abort').onclick = null;
      $('upload-abort').hidden = true;
    };
    xhr.addEventListener('load', () => {
      done();
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = null;
      }
      if (xhr.status === 401) {
        box.hidden = true;
        needToken(body && body.error ? body.error : 'authentication required');
      } else if (xhr.status === 201 && body && body.job_id) {
        hideAuthPrompt();
        text.textContent = `Uploaded: job ${body.job_id}`;
        $('file').value = '';
        $('file-name').textContent = '';
        created(body.job_id);
      } else {
        box.hidden = true;
        showError(`Upload refused (${xhr.status}): ${body && body.error ? body.error : xhr.statusText}`);
      }
    });
    xhr.addEventListener('error', () => {
      done();
      box.hidden = true;
      showError('Upload failed: the connection to the server broke.');
    });
    xhr.addEventListener('abort', () => {
      done();
      box.hidden = true;
      showError('Upload aborted.');
    });
    $('upload-abort').onclick = () => xhr.abort();
    xhr.open('POST', '/job');
    if (state.token) {
      xhr.setRequestHeader('Authorization', 'Bearer ' + state.token);
    }
    xhr.send(form);
  }

  async function submitUrl(url, fields) {
    const body = { input_url: url, ...fields };
    if (body.all_stems) {
      body.all_stems = true;
    }
    if (body.shifts) {
      body.shifts = Number(body.shifts);
    }
    $('submit').disabled = true;
    try {
      const r = await apiJson('/job', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      $('url').value = '';
      created(r.job_id);
    } catch (e) {
      report('Job refused', e);
    } finally {
      $('submit').disabled = false;
    }
  }

  function created(id) {
    state.mine.add(id);
    watch(id);
    loadHistory();
    loadStatus();
  }

  // ---- following jobs ---------------------------------------------------------------------

  function watch(id) {
    if (state.watched.has(id)) {
      return;
    }
    const bar = el('progress', { max: 100, value: 0, id: `progress-${id}` });
    const item = el('li', { className: 'job', dataset: { jobId: id } },
      el('div', { className: 'head' },
        el('span', { className: 'id', textContent: id }),
        el('span', { className: 'status', textContent: 'pending' })),
      el('label', { htmlFor: `progress-${id}`, className: 'sr-only', textContent: `Progress of job ${id}` }),
      bar,
      el('div', { className: 'line', 'aria-live': 'polite' }),
      el('div', { className: 'buttons' }));
    $('active').prepend(item);
    $('active-empty').hidden = true;
    const w = { item, delay: POLL_MIN_MS, timer: null, key: '' };
    state.watched.set(id, w);
    poll(id);
  }

  function unwatch(id) {
    const w = state.watched.get(id);
    if (w) {
      clearTimeout(w.timer);
      w.item.remove();
      state.watched.delete(id);
    }
    $('active-empty').hidden = state.watched.size > 0;
  }

  async function poll(id) {
    const w = state.watched.get(id);
    if (!w) {
      return;
    }
    let job;
    try {
      job = await apiJson(jobPath(id));
    } catch (e) {
      if (e.status === 404) {
        unwatch(id);
        return;
      }
      if (!state.watched.has(id)) {
        return;
      }
      w.delay = Math.min(w.delay * 2, POLL_ERROR_MAX_MS);
      w.item.querySelector('.line').textContent = e instanceof AuthError ? 'Waiting for a valid token…' : `Cannot reach the server (${e.message}); retrying…`;
      w.timer = setTimeout(() => poll(id), w.delay);
      return;
    }
    if (!state.watched.has(id)) {
      return;
    }
    renderJob(w, job);
    if (job.status === 'completed' || job.status === 'failed') {
      loadHistory();
      loadStatus();
      if (job.status === 'completed' && state.mine.has(id) && !(state.player && state.player.playing)) {
        state.mine.delete(id);
        openPlayer(id, job);
      }
      return;
    }
    // back off while nothing changes; poll quickly again once it moves
    const key = `${job.status}|${job.phase}|${job.details && job.details.percent}|${job.queue_position}`;
    w.delay = key === w.key ? Math.min(Math.round(w.delay * 1.5), POLL_MAX_MS) : POLL_MIN_MS;
    w.key = key;
    w.timer = setTimeout(() => poll(id), w.delay);
  }

  function describe(job) {
    const d = job.details || {};
    const pct = job.status === 'completed' ? 100 : Number(d.percent) || 0;
    const bits = [`${Math.round(pct)} %`];
    if (d.total_segments) {
      bits.push(`segment ${d.completed_segments} of ${d.total_segments} done`);
    }
    if (job.status === 'pending') {
      bits.push(job.queue_position != null ? `queued, position ${job.queue_position + 1}` : 'queued');
    }
    if (job.phase) {
      bits.push(job.phase);
    }
    if (job.tasks && job.status === 'running') {
      const running = Object.entries(job.tasks).filter(([, v]) => v === 'running').map(([k]) => k);
      if (running.length) {
        bits.push(running.join(', '));
      }
    }
    if (job.elapsed_seconds) {
      bits.push(`${fmtTime(job.elapsed_seconds)} elapsed`);
    }
    if (job.error) {
      bits.push(`error: ${job.error}`);
    }
    return { pct, text: bits.join(' · ') };
  }

  function renderJob(w, job) {
    const { pct, text } = describe(job);
    const status = w.item.querySelector('.status');
    status.textContent = job.status;
    status.className = `status status-${job.status}`;
    w.item.dataset.status = job.status;
    const bar = w.item.querySelector('progress');
    bar.value = pct;
    bar.setAttribute('aria-valuetext', text);
    w.item.querySelector('.line').textContent = text;
    // rebuilt only when the status changes, so a focused button keeps its focus between polls
    const active = job.status === 'pending' || job.status === 'running';
    const kind = active ? 'active' : job.status;
    if (w.buttonsFor === kind) {
      return;
    }
    w.buttonsFor = kind;
    const buttons = w.item.querySelector('.buttons');
    buttons.replaceChildren();
    if (active) {
      buttons.append(el('button', { type: 'button', className: 'cancel', textContent: 'Cancel', onclick: () => remove(job.job_id) }));
    } else {
      if (job.status === 'completed') {
        buttons.append(el('button', { type: 'button', className: 'open', textContent: 'Open in player', onclick: () => openPlayer(job.job_id, job) }));
      }
      buttons.append(el('button', { type: 'button', className: 'secondary', textContent: 'Dismiss', onclick: () => unwatch(job.job_id) }));
    }
  }

  async function remove(id) {
    try {
      await api(jobPath(id), { method: 'DELETE' });
    } catch (e) {
      if (e.status !== 404) {
        report(`Deleting job ${id} failed`, e);
        return;
      }
    }
    unwatch(id);
    if (state.player && state.player.jobId === id) {
      closePlayer();
    }
    loadHistory();
    loadStatus();
  }

  // ---- history ----------------------------------------------------------------------------

  async function loadHistory() {
    let list;
    try {
      list = await apiJson('/jobs?limit=50');
    } catch (e) {
      report('Loading the job list failed', e);
      return;
    }
    const body = $('history').tBodies[0];
    body.replaceChildren();
    if (!list.jobs.length) {
      body.append(el('tr', {}, el('td', { colSpan: 4, className: 'hint', textContent: 'No jobs yet.' })));
    }
    list.jobs.forEach((j) => {
      const actions = el('td', {});
      if (j.status === 'completed') {
        actions.append(el('button', { type: 'button', textContent: 'Open', 'aria-label': `Open job ${j.job_id} in the player`, onclick: () => openPlayer(j.job_id) }),
          downloadLink(j.job_id, 'instrumental.mp3', 'mono MP3'));
      } else if (j.status === 'pending' || j.status === 'running') {
        actions.append(el('button', { type: 'button', textContent: 'Follow', 'aria-label': `Follow job ${j.job_id}`, onclick: () => watch(j.job_id) }));
        watch(j.job_id);
      }
      actions.append(el('button', { type: 'button', className: 'secondary', textContent: 'Delete', 'aria-label': `Delete job ${j.job_id}`, onclick: () => remove(j.job_id) }));
      const created = j.created_at ? new Date(j.created_at) : null;
      body.append(el('tr', { dataset: { jobId: j.job_id } },
        el('td', {}, el('span', { className: 'id', textContent: j.job_id })),
        el('td', { className: `status-${j.status}`, textContent: j.status + (j.error ? `: ${j.error}` : '') }),
        el('td', { textContent: created && !isNaN(created) ? created.toLocaleString() : '' }),
        actions));
    });
  }

  // ---- downloads (fetched with the token, saved from a blob URL) -------------------------

  function downloadLink(id, name, label) {
    const a = el('a', { href: resultPath(id, name), textContent: label || name, className: 'download', dataset: { file: name } });
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      download(id, name);
    });
    return a;
  }

  async function download(id, name) {
    try {
      const blob = await (await api(resultPath(id, name))).blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      report(`Downloading ${name} failed`, e);
    }
  }

  // ---- player -----------------------------------------------------------------------------

  let audioContext = null;
  const context = () => {
    audioContext = audioContext || new AudioContext();
    return audioContext;
  };

  /** All stems of one segment, started at one AudioContext time so they stay in sync. */
  class Player {
    constructor(jobId) {
      this.jobId = jobId;
      this.rows = [];
      this.sources = [];
      this.playing = false;
      this.position = 0; // seconds, while paused
      this.startedAt = 0; // context time of position 0 of the current run
      this.duration = 0;
      this.loop = $('loop').checked;
      this.loadToken = 0;
      const ctx = context();
      this.master = ctx.createGain();
      this.analyser = ctx.createAnalyser();
      this.analyser.fftSize = 2048;
      this.master.connect(this.analyser);
      this.analyser.connect(ctx.destination);
      this.samples = new Float32Array(this.analyser.fftSize);
    }

    currentTime() {
      if (!this.playing) {
        return this.position;
      }
      const elapsed = Math.max(0, context().currentTime - this.startedAt);
      return this.loop && this.duration > 0 ? elapsed % this.duration : Math.min(this.duration, elapsed);
    }

    async load(files) {
      const token = ++this.loadToken;
      this.stop();
      this.rows.forEach((r) => r.gain.disconnect());
      this.rows = [];
      this.position = 0;
      this.duration = 0;
      $('stems').replaceChildren();
      $('play').disabled = true;
      $('seek').disabled = true;
      const status = $('player-status');
      let loaded = 0;
      status.textContent = `Loading ${files.length} stem(s)…`;
      const ctx = context();
      const decoded = await Promise.all(files.map(async (f) => {
        const data = await (await api(resultPath(this.jobId, f.name))).arrayBuffer();
        const buffer = await ctx.decodeAudioData(data);
        loaded++;
        status.textContent = `Loaded ${loaded} of ${files.length} stem(s)…`;
        return { f, buffer };
      }));
      if (token !== this.loadToken) {
        return; // another segment was chosen meanwhile
      }
      this.stemCount = decoded.length;
      decoded.forEach(({ f, buffer }) => this.addRow(f, buffer));
      this.duration = Math.max(...this.rows.map((r) => r.buffer.duration));
      const seek = $('seek');
      seek.max = String(this.duration);
      seek.value = '0';
      seek.disabled = false;
      $('play').disabled = false;
      status.textContent = `${this.rows.length} stems, ${fmtTime(this.duration)}, ${this.rows[0].buffer.numberOfChannels} channel(s), ${ctx.sampleRate} Hz.`
        + (this.rows.some((r) => r.muted) ? ` “${COMPLEMENT}” (the sum of the other stems) starts muted.` : '');
      this.applyGains();
      this.drawAll();
      this.tick();
    }

    addRow(f, buffer) {
      const ctx = context();
      const gain = ctx.createGain();
      gain.connect(this.master);
      // with all stems the complement ("instrum", the sum of the others) would play twice: it starts muted
      const muted = f.stem === COMPLEMENT && this.stemCount > 2;
      const row = { name: f.stem, buffer, gain, volume: 1, muted, solo: false };
      const canvas = el('canvas', { 'aria-hidden': 'true' });
      const head = el('div', { className: 'playhead' });
      const mute = el('button', { type: 'button', className: 'mute', textContent: 'Mute', 'aria-pressed': String(muted), 'aria-label': `Mute ${row.name}` });
      const solo = el('button', { type: 'button', className: 'solo', textContent: 'Solo', 'aria-pressed': 'false', 'aria-label': `Solo ${row.name}` });
      const volId = `vol-${row.name}`;
      const volume = el('input', { type: 'range', id: volId, min: 0, max: 1.5, step: 0.01, value: 1 });
      mute.addEventListener('click', () => {
        row.muted = !row.muted;
        mute.setAttribute('aria-pressed', String(row.muted));
        this.applyGains();
      });
      solo.addEventListener('click', () => {
        row.solo = !row.solo;
        solo.setAttribute('aria-pressed', String(row.solo));
        this.applyGains();
      });
      volume.addEventListener('input', () => {
        row.volume = Number(volume.value);
        this.applyGains();
      });
      canvas.addEventListener('click', (ev) => {
        const rect = canvas.getBoundingClientRect();
        this.seek(((ev.clientX - rect.left) / rect.width) * this.duration);
      });
      row.el = el('li', { className: 'stem', dataset: { stem: row.name } },
        el('span', { className: 'name', textContent: row.name }),
        el('div', { className: 'controls' }, mute, solo,
          el('label', { htmlFor: volId, textContent: 'Volume' }), volume,
          downloadLink(this.jobId, f.name, `Download ${f.name}`)),
        el('div', { className: 'wave' }, canvas, head));
      row.canvas = canvas;
      row.head = head;
      $('stems').append(row.el);
      this.rows.push(row);
    }

    /** Mute wins, then solo (when any stem is soloed the others are silent), then volume. */
    applyGains() {
      const anySolo = this.rows.some((r) => r.solo);
      const now = context().currentTime;
      this.rows.forEach((r) => {
        const g = r.muted || (anySolo && !r.solo) ? 0 : r.volume;
        r.gain.gain.cancelScheduledValues(now);
        r.gain.gain.value = g;
        r.el.dataset.gain = String(r.gain.gain.value); // read back from the node (test hook)
        r.el.classList.toggle('silent', g === 0);
      });
    }

    async play() {
      const ctx = context();
      await ctx.resume();
      this.stop();
      if (this.position >= this.duration) {
        this.position = 0;
      }
      const when = ctx.currentTime + 0.05;
      this.startedAt = when - this.position;
      this.sources = this.rows.map((r) => {
        const s = ctx.createBufferSource();
        s.buffer = r.buffer;
        s.loop = this.loop;
        s.connect(r.gain);
        s.start(when, Math.min(this.position, r.buffer.duration));
        return s;
      });
      this.playing = true;
      this.updateButton();
      this.tick();
    }

    stop() {
      this.sources.forEach((s) => {
        try {
          s.stop();
        } catch (e) {
          // already stopped
        }
        s.disconnect();
      });
      this.sources = [];
    }

    pause() {
      this.position = this.currentTime();
      this.playing = false;
      this.stop();
      this.updateButton();
      this.tick();
    }

    seek(t) {
      this.position = Math.max(0, Math.min(this.duration, t));
      if (this.playing) {
        this.play();
      } else {
        this.tick();
      }
    }

    updateButton() {
      const b = $('play');
      b.textContent = this.playing ? 'Pause' : 'Play';
      b.setAttribute('aria-pressed', String(this.playing));
    }

    tick() {
      const t = this.currentTime();
      if (this.playing && t >= this.duration) {
        this.playing = false;
        this.position = 0;
        this.stop();
        this.updateButton();
      }
      const out = $('time');
      out.textContent = `${fmtTime(t)} / ${fmtTime(this.duration)}`;
      out.dataset.currentTime = t.toFixed(3);
      if (!this.seeking) {
        $('seek').value = String(t);
      }
      const pct = this.duration ? (100 * t) / this.duration : 0;
      this.rows.forEach((r) => { r.head.style.left = `${pct}%`; });
      if (this.playing) {
        this.analyser.getFloatTimeDomainData(this.samples);
        let sum = 0;
        for (let i = 0; i < this.samples.length; i++) {
          sum += this.samples[i] * this.samples[i];
        }
        $('player').dataset.level = Math.sqrt(sum / this.samples.length).toFixed(5);
        if (!this.frame) {
          this.frame = requestAnimationFrame(() => {
            this.frame = 0;
            this.tick();
          });
        }
      } else {
        $('player').dataset.level = '0';
      }
    }

    drawAll() {
      this.rows.forEach((r) => drawWave(r.canvas, r.buffer));
    }

    close() {
      this.loadToken++;
      this.playing = false;
      this.stop();
      this.rows.forEach((r) => r.gain.disconnect());
      this.master.disconnect();
      this.analyser.disconnect();
    }
  }

  /** Min/max per pixel column of the mean of the channels. */
  function drawWave(canvas, buffer) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, width, height);
    g.fillStyle = '#1f5fbf';
    const channels = [];
    for (let c = 0; c < buffer.numberOfChannels; c++) {
      channels.push(buffer.getChannelData(c));
    }
    const n = buffer.length;
    const per = n / width;
    const mid = height / 2;
    for (let x = 0; x < width; x++) {
      const from = Math.floor(x * per);
      const to = Math.min(n, Math.max(from + 1, Math.floor((x + 1) * per)));
      let lo = 1;
      let hi = -1;
      for (let i = from; i < to; i++) {
        let v = 0;
        for (const ch of channels) {
          v += ch[i];
        }
        v /= channels.length;
        if (v < lo) {
          lo = v;
        }
        if (v > hi) {
          hi = v;
        }
      }
      if (hi >= lo) {
        const top = mid - Math.min(1, hi) * mid;
        const bottom = mid - Math.max(-1, lo) * mid;
        g.fillRect(x, top, 1, Math.max(1, bottom - top));
      }
    }
  }

  /** The stem files of a job grouped by segment: [{segment, files: [{name, stem}]}]. */
  function stemSets(files) {
    const bySegment = new Map();
    (files || []).forEach((f) => {
      const m = STEM_FILE.exec(f.name);
      if (m && f.path.startsWith('demucs_results/')) {
        if (!bySegment.has(m[1])) {
          bySegment.set(m[1], []);
        }
        bySegment.get(m[1]).push({ name: f.name, stem: m[2] });
      }
    });
    return [...bySegment.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([segment, list]) => ({ segment, files: list }));
  }

  async function openPlayer(id, job) {
    try {
      if (!job || !job.files) {
        job = await apiJson(jobPath(id));
      }
    } catch (e) {
      report(`Opening job ${id} failed`, e);
      return;
    }
    closePlayer();
    const section = $('player');
    section.hidden = false;
    section.dataset.jobId = id;
    $('player-job').textContent = `Job ${id}` + (job.request && job.request.upload_name ? ` · ${job.request.upload_name}` : '');
    const downloads = $('downloads');
    downloads.replaceChildren(...(job.files || []).map((f) => el('li', {},
      downloadLink(id, f.name, f.name === 'instrumental.mp3' ? 'instrumental.mp3 (mono MP3)' : f.path),
      ` ${fmtBytes(f.bytes)}`)));
    const sets = stemSets(job.files);
    const select = $('segment');
    select.replaceChildren(...sets.map((s, i) => el('option', { value: String(i), textContent: `Segment ${Number(s.segment) + 1} of ${sets.length}` })));
    $('segment-field').hidden = sets.length < 2;
    const player = new Player(id);
    state.player = player;
    if (!sets.length) {
      $('player-status').textContent = 'This job has no stem files to play.';
      return;
    }
    select.onchange = () => player.load(sets[Number(select.value)].files).catch((e) => report('Loading the stems failed', e));
    section.scrollIntoView({ block: 'start' });
    try {
      await player.load(sets[0].files);
    } catch (e) {
      report('Loading the stems failed', e);
    }
  }

  function closePlayer() {
    if (state.player) {
      state.player.close();
      state.player = null;
    }
    $('stems').replaceChildren();
    $('player').hidden = true;
  }

  function setupPlayer() {
    $('play').addEventListener('click', () => {
      const p = state.player;
      if (p) {
        if (p.playing) {
          p.pause();
        } else {
          p.play();
        }
      }
    });
    $('loop').addEventListener('change', () => {
      const p = state.player;
      if (p) {
        const t = p.currentTime();
        p.loop = $('loop').checked;
        p.seek(t); // restarts the sources with the new loop setting when playing
      }
    });
    const seek = $('seek');
    seek.addEventListener('input', () => {
      if (state.player) {
        state.player.seeking = true;
        $('time').textContent = `${fmtTime(Number(seek.value))} / ${fmtTime(state.player.duration)}`;
      }
    });
    seek.addEventListener('change', () => {
      if (state.player) {
        state.player.seeking = false;
        state.player.seek(Number(seek.value));
      }
    });
    let resize = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resize);
      resize = setTimeout(() => state.player && state.player.drawAll(), 150);
    });
  }

  // ---- start ------------------------------------------------------------------------------

  function refreshAll() {
    loadStatus();
    loadHistory();
    // followed jobs may be backed off after refusals: ask again now (with the new token)
    state.watched.forEach((w, id) => {
      clearTimeout(w.timer);
      w.delay = POLL_MIN_MS;
      poll(id);
    });
  }

  setupToken();
  setupSubmit();
  setupPlayer();
  $('history-refresh').addEventListener('click', loadHistory);
  refreshAll();
})();
