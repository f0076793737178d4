// The client half of spoor's editor support: it starts `spoor lsp` over
// standard input and output for YARA files and restarts it when the
// `spoor.path` setting changes. Every feature is the server's; this file
// only connects the two.

"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

/** The server command: the configured binary with the `lsp` subcommand. */
function serverOptions() {
  const command = vscode.workspace.getConfiguration("spoor").get("path") || "spoor";
  return { command, args: ["lsp"], transport: TransportKind.stdio };
}

async function start() {
  client = new LanguageClient("spoor", "spoor", serverOptions(), {
    documentSelector: [
      { scheme: "file", language: "yara" },
      { scheme: "untitled", language: "yara" },
    ],
  });
  try {
    await client.start();
  } catch (error) {
    const command = serverOptions().command;
    vscode.window.showErrorMessage(
      `spoor: could not start \`${command} lsp\` (${error.message}). ` +
        "Install spoor or set `spoor.path` to its binary."
    );
  }
}

async function restart() {
  if (client) {
    await client.stop().catch(() => undefined);
    client = undefined;
  }
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("spoor.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("spoor.path")) {
        restart();
      }
    })
  );
  await start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
