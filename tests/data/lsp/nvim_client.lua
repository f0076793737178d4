-- Drives `spoor lsp` from Neovim's built-in LSP client (headless), for
-- tests/it/lsp.rs: opens SPOOR_RULE_FILE, waits for diagnostics, sends the
-- requests of SPOOR_REQUESTS (a JSON list of {name, method, line,
-- character}) and writes what came back to SPOOR_NVIM_OUT as JSON.
-- Written for Neovim 0.7 (Debian's), so `vim.lsp.start_client`.
local file = os.getenv('SPOOR_RULE_FILE')
local requests = vim.fn.json_decode(os.getenv('SPOOR_REQUESTS'))
local out = { diagnostics = {} }

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = 'spoor',
  cmd = { os.getenv('SPOOR_BIN'), 'lsp' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
vim.lsp.buf_attach_client(buf, id)

vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { line = d.lnum, character = d.col, message = d.message })
end

local client = vim.lsp.get_client_by_id(id)
for _, r in ipairs(requests) do
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = r.line, character = r.character },
  }
  local answer = client and client.request_sync(r.method, params, 10000, buf)
  out[r.name] = answer and answer.result or vim.NIL
end

local f = io.open(os.getenv('SPOOR_NVIM_OUT'), 'w')
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd('qa!')
