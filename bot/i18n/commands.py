"""The command tree in Spanish: descriptions, option descriptions and choices (never names,
which stay English so ``/help`` and the README read the same in every language).

``bot.tree.SupportTranslator`` hands these to Discord (``app_commands.Translator``), and
``/help`` lists each command with its description in the reader's language. Keyed by the
English text exactly as the code has it; a string missing here shows in English. The member's
commands are translated; the staff and admin commands are still English only.
No discord import.
"""

from __future__ import annotations

from bot.i18n import SPANISH

ES: dict[str, str] = {
    # /help, /crisis, /language
    "What this bot does and how to use it.": "Qué hace este bot y cómo usarlo.",
    "Get help right now: crisis lines you can call or text, free, any time.": (
        "Ayuda ahora mismo: líneas de crisis para llamar o escribir, gratis, a cualquier hora."
    ),
    "The country whose lines to show first": "El país cuyas líneas quieres ver primero",
    "Remember this country for you, or forget the one you saved": (
        "Recordar este país para ti, u olvidar el que guardaste"
    ),
    "yes, remember this country for me": "sí, recuerda este país para mí",
    "forget the country I saved": "olvida el país que guardé",
    "Choose the language I answer you in: English or Spanish.": (
        "Elige el idioma en que te respondo: inglés o español."
    ),
    "The language I answer you in": "El idioma en que te respondo",
    "The language of my Discord app": "El idioma de mi app de Discord",
    # consultations
    "Ask to talk privately with a consultant from our staff.": (
        "Pide hablar en privado con un consultor de nuestro equipo."
    ),
    "See where your request to talk with a consultant is.": (
        "Mira en qué punto está tu solicitud para hablar con un consultor."
    ),
    "Cancel your waiting request to talk with a consultant.": (
        "Cancela tu solicitud pendiente para hablar con un consultor."
    ),
    "Get a private copy of this request's conversation, sent to you by DM.": (
        "Recibe por mensaje directo una copia privada de la conversación de esta solicitud."
    ),
    # care
    "Levels of care, from weekly therapy to inpatient care, explained simply.": (
        "Los niveles de atención, de la terapia semanal a la internación, explicados con sencillez."
    ),
    "Jump straight to one level.": "Ir directo a un nivel.",
    "Outpatient therapy": "Terapia ambulatoria",
    "Intensive outpatient (IOP)": "Ambulatorio intensivo (IOP)",
    "Partial hospitalization (PHP)": "Hospitalización parcial (PHP)",
    "Inpatient residential": "Internación residencial",
    "Inpatient acute care": "Internación para atención aguda",
    "Post it in this channel for everyone (otherwise only you see it).": (
        "Publicarlo en este canal para todos (si no, solo lo ves tú)."
    ),
    "Intensive outpatient programs (IOPs): what they are, how they work, who they help.": (
        "Programas intensivos ambulatorios (IOP): qué son, cómo funcionan, a quién ayudan."
    ),
    "What you'd like to know (starts with what an IOP is).": (
        "Lo que quieres saber (empieza por qué es un IOP)."
    ),
    "What an IOP is": "Qué es un IOP",
    "Schedule and hours": "Horario y horas",
    "What to expect": "Qué esperar",
    "Treatment approaches": "Enfoques de tratamiento",
    "What IOPs help with": "Con qué ayudan los IOP",
    "History": "Historia",
    "Is an IOP for me? (private reflection)": "¿Un IOP es para mí? (reflexión privada)",
    "Post it in this channel for everyone (the reflection always stays private).": (
        "Publicarlo en este canal para todos (la reflexión siempre es privada)."
    ),
    "Spotting relapse early, making a plan, and what to do after a slip.": (
        "Notar una recaída a tiempo, hacer un plan y qué hacer después de un tropiezo."
    ),
    "What you'd like to know (starts with early warning signs).": (
        "Lo que quieres saber (empieza por las primeras señales de alerta)."
    ),
    "Early warning signs": "Primeras señales de alerta",
    "The three stages": "Las tres etapas",
    "My relapse-prevention plan": "Mi plan para prevenir una recaída",
    "After a slip": "Después de un tropiezo",
    "Overdose risk after a break": "Riesgo de sobredosis después de una pausa",
    "One coping idea at a time, for cravings, stress, anxiety, sleep and more.": (
        "Una idea a la vez para las ganas de consumir, el estrés, la ansiedad, el sueño y más."
    ),
    "What you're dealing with (starts with cravings).": (
        "Lo que estás enfrentando (empieza por las ganas de consumir)."
    ),
    "Cravings": "Ganas de consumir",
    "Stress": "Estrés",
    "Anxiety": "Ansiedad",
    "Sleep": "Sueño",
    "Loneliness": "Soledad",
    "Triggers": "Desencadenantes",
    "Grounding": "Volver al presente",
    "How to build a support network, and what this group offers.": (
        "Cómo construir una red de apoyo, y lo que ofrece este grupo."
    ),
    "Where to look for a treatment program, and what to ask one.": (
        "Dónde buscar un programa de tratamiento, y qué preguntarle."
    ),
    "Why stopping some substances suddenly can be risky, and when to get help at once.": (
        "Por qué dejar algunas sustancias de golpe puede ser riesgoso, y cuándo pedir ayuda ya."
    ),
    "What you'd like to know (starts with stopping safely).": (
        "Lo que quieres saber (empieza por cómo dejarlo sin riesgo)."
    ),
    "Stopping safely": "Dejarlo sin riesgo",
    "After withdrawal: the ups and downs (PAWS)": "Después de la abstinencia: altibajos (PAWS)",
    "Medications for opioid and alcohol use disorders: what they are, where to ask.": (
        "Medicamentos para el consumo de opioides y alcohol: qué son y dónde preguntar."
    ),
    "For families and friends: how to help someone, and how to look after yourself.": (
        "Para familiares y amigos: cómo ayudar a alguien y cómo cuidarte tú también."
    ),
    "Peer support groups beyond 12-Step, and how to find online meetings.": (
        "Grupos de apoyo entre pares más allá de los 12 Pasos, y reuniones en línea."
    ),
    "When mental health and substance use show up together, and where to find care.": (
        "Cuando la salud mental y el consumo de sustancias van juntos, y dónde buscar atención."
    ),
    # the group
    "Read the group's guidelines: how we keep this a safe, kind place.": (
        "Lee las normas del grupo: cómo hacemos de esto un lugar seguro y amable."
    ),
    "Upcoming group meetings in the next 7 days, in your own time zone.": (
        "Las reuniones del grupo de los próximos 7 días, en tu zona horaria."
    ),
    "Get a DM before meetings you mark Interested (on or off)": (
        "Recibir un mensaje directo antes de las reuniones que marques como Interesado"
    ),
    "on": "sí",
    "off": "no",
    # check-ins and milestones
    "A private daily check-in: mood, cravings and a note only you can see.": (
        "Un registro diario privado: ánimo, ganas de consumir y una nota que solo tú ves."
    ),
    "How are you today? 1 is really hard, 5 is great": (
        "¿Cómo estás hoy? 1 es muy difícil, 5 es muy bien"
    ),
    "How strong are cravings? 0 is none, 10 is overwhelming": (
        "¿Qué tan fuertes son las ganas de consumir? 0 es nada, 10 es abrumador"
    ),
    "A private note for yourself (up to 300 characters)": (
        "Una nota privada para ti (hasta 300 caracteres)"
    ),
    "After 3 hard check-ins in a row, a gentle private message with support. "
    "Off unless you turn it on.": (
        "Tras 3 registros difíciles seguidos, un mensaje privado y amable con apoyo. "
        "Solo si lo activas."
    ),
    "on: a private message to you; staff: that, and staff are told you asked; off: none": (
        "sí: un mensaje privado; equipo: eso, y avisamos al equipo que lo pediste; no: nada"
    ),
    "staff": "equipo",
    "Your check-ins over the last 14, 30 or 90 days, as a small private chart.": (
        "Tus registros de los últimos 14, 30 o 90 días, en un pequeño gráfico privado."
    ),
    "How many days to show": "Cuántos días mostrar",
    "Count your days and celebrate milestones, privately unless you choose to share.": (
        "Cuenta tus días y celebra tus logros, en privado salvo que quieras compartirlos."
    ),
    "Set the date your count starts from.": "Elige la fecha desde la que empieza tu cuenta.",
    "Your start date, as YYYY-MM-DD (today or earlier)": (
        "Tu fecha de inicio, como AAAA-MM-DD (hoy o antes)"
    ),
    'What it is for, if you like, e.g. "alcohol" (only you see it)': (
        'Para qué es, si quieres, p. ej. "alcohol" (solo tú lo ves)'
    ),
    "Your time zone, e.g. Europe/London (pick from the list; default: the server's)": (
        "Tu zona horaria, p. ej. America/Mexico_City (elige de la lista; si no, la del servidor)"
    ),
    "See your days and your next milestone (only you see it).": (
        "Mira tus días y tu próximo logro (solo tú lo ves)."
    ),
    "Start your count again from today.": "Empieza tu cuenta de nuevo desde hoy.",
    "Share your days with the group in this channel (only when you choose to).": (
        "Comparte tus días con el grupo en este canal (solo cuando tú lo decidas)."
    ),
    "Also show what your milestone is for": "Mostrar también para qué es tu logro",
    "Choose whether the group celebrates your milestones in the celebration channel.": (
        "Elige si el grupo celebra tus logros en el canal de celebraciones."
    ),
    "on: the group cheers when you reach a milestone; off: private": (
        "sí: el grupo te celebra cuando llegas a un logro; no: en privado"
    ),
    "Delete your start date and milestone settings from this server.": (
        "Borra tu fecha de inicio y tus ajustes de logros en este servidor."
    ),
    # safety plan and privacy
    "Your private safety plan for hard moments, in your own words.": (
        "Tu plan de seguridad privado para momentos difíciles, con tus propias palabras."
    ),
    "Write or change your safety plan, step by step in two short forms.": (
        "Escribe o cambia tu plan de seguridad, paso a paso en dos formularios cortos."
    ),
    "Your safety plan, shown only to you, with lines you can reach any time.": (
        "Tu plan de seguridad, solo para ti, con líneas disponibles a cualquier hora."
    ),
    "Delete your safety plan (you are asked first).": (
        "Borra tu plan de seguridad (primero te lo preguntamos)."
    ),
    "See, download or delete what this bot stores about you.": (
        "Mira, descarga o borra lo que este bot guarda sobre ti."
    ),
    "Everything this bot stores about you, shown only to you.": (
        "Todo lo que este bot guarda sobre ti, solo para ti."
    ),
    "Download everything this bot stores about you, as a file.": (
        "Descarga en un archivo todo lo que este bot guarda sobre ti."
    ),
    "Delete everything this bot stores about you (you confirm first).": (
        "Borra todo lo que este bot guarda sobre ti (primero lo confirmas)."
    ),
    "What this bot stores about you, why, for how long, and how to delete it.": (
        "Qué guarda este bot sobre ti, por qué, por cuánto tiempo y cómo borrarlo."
    ),
}

COMMAND_TEXT: dict[str, dict[str, str]] = {SPANISH: ES}
"""Each translated language's command-tree text, by the English text."""


def command_text(language: str, english: str) -> str:
    """``english`` (a description or a choice's name) in ``language``; English if not there."""
    return COMMAND_TEXT.get(language, {}).get(english, english)
