"""The bot's own sentences in every language: one catalogue, English first.

``say(language, key, **values)`` gives a sentence in the member's language (English when a
key is not translated yet: the tests make sure none is missing). Each language has the same keys
and the same ``{placeholders}`` (``tests/test_i18n.py``), and the safe-messaging lint reads all
of them. Content that staff reword lives in ``data/`` (``data/es/`` for Spanish), not here.
No discord import.
"""

from __future__ import annotations

from bot.i18n import ENGLISH

EN: dict[str, str] = {
    "footer": (
        "Peer support and information, not medical advice or an emergency service "
        "· /crisis for urgent help"
    ),
    # error replies (bot.ui.report_error)
    "error.went_wrong.us": (
        "Sorry, something went wrong on our side, so what you just sent may not have been "
        "saved. Please try again in a moment. If you need help right now, please call or text "
        "988 (US) or use /crisis."
    ),
    "error.went_wrong": (
        "Sorry, something went wrong on our side, so what you just sent may not have been "
        "saved. Please try again in a moment. If you need help right now, please reach "
        "{name} ({contact}) or use /crisis."
    ),
    # the common refusals, as bot.errors and bot.db raise them (``refusal`` finds them)
    "refusal.storage": (
        "Sorry, I can't reach my storage right now and nothing was changed. Please try again "
        "in a little while. If you need help now, the crisis lines below are open, and /crisis "
        "shows them any time."
    ),
    "refusal.out_of_date": "This button is out of date. Please run the command again.",
    "refusal.try_again": ("Things are busy right now and nothing was changed. Please try again."),
    "refusal.not_configured": (
        "This server has not been set up yet: an admin needs to run `/setup` first."
    ),
    "refusal.guild_only": "Please use this command inside the support server, not in a DM.",
    # /crisis (the lines themselves are data/crisis.toml)
    "crisis.elsewhere": "Somewhere else?",
    "crisis.pick_another": "Pick another country in `/crisis`. **{name}**: {contact}.",
    "crisis.footer": "You can see this again any time with /crisis.",
    "crisis.forgotten": "Forgotten: I no longer keep a country for you.",
    "crisis.saved": (
        "Saved: your replies from me will show the lines for {country} first (in channels, "
        "the server's country). `/crisis remember: forget` removes it."
    ),
    "crisis.pick_first": "Please pick a country in `region:` for me to remember.",
    "crisis.menu": "Lines for another country…",
    "crisis.top_emergency": " Emergency: {contact}.",
    "crisis.top_more": "`/crisis` shows every line.",
    # /help
    "help.title": "How this bot can help",
    "help.about": (
        "This server is a free peer support group. I can explain levels of care, share coping "
        "ideas, point you and your family to treatment and peer groups, connect you with a "
        "consultant, and show crisis resources any time."
    ),
    "help.danger": "**If you are in danger right now, use {crisis}.**",
    "help.start_here": "**Start here**",
    "help.more": "The buttons below show everything else you can use here.",
    "help.dm_note": "Staff and admin tools are listed inside the server: use `/help` there.",
    "help.in_server": " *(in the server)*",
    "help.nothing": "Nothing here yet.",
    "help.page": "{title} ({number} of {count})",
    "page.previous": "Previous",
    "page.next": "Next",
    "help.label.start": "Start",
    "help.label.member": "More for members",
    "help.label.staff": "Staff tools",
    "help.label.admin": "Admin tools",
    "help.intro.member": "Everything else you can use here. Tap a command to start it.",
    "help.intro.staff": "For the server's staff and consultants. Tap a command to start it.",
    "help.intro.admin": "For the people who run this server (Manage Server).",
    # /iop (its content is data/care/iop.toml)
    "iop.question": "{title} ({number} of {count})",
    "iop.you_said": "You said: **{answer}**. {meaning}",
    "iop.answer.y": "Yes",
    "iop.answer.n": "No",
    "iop.answer.u": "Not sure",
    "iop.talk_it_through": "Talk it through",
    "iop.in_short": "In short",
    "iop.more_approaches": "More approaches",
    "iop.pick_another": "Pick another from the menu, or see `/levels`.",
    "iop.topics_menu": "More about IOPs…",
    "iop.approach_menu": "Read about one approach…",
    "iop.fit_option": "A private reflection, one question at a time",
    "iop.talk": "Talk to a consultant",
    "iop.start_over": "Start over",
    "care.crisis_line": "If you need someone now",
    "button.consult": "Talk to a consultant",
    "button.consult_now": "Talk to a consultant now",
    "button.safety_plan": "My safety plan",
    # the consultation form and the member's receipt (cogs/consult)
    "consult.form.title": "Talk to a consultant",
    "consult.form.topic": "What would you like to talk about?",
    "consult.form.urgency": "How soon do you need to talk?",
    "consult.form.urgency_hint": "If you are in danger right now, please also use /crisis.",
    "consult.form.note": "A short note (optional)",
    "consult.form.note_hint": "Up to {limit} characters. Only staff will read it.",
    "consult.form.note_placeholder": (
        "Anything you'd like them to know first (you can leave this empty)"
    ),
    "consult.form.time": "A good time for you (optional)",
    "consult.form.time_placeholder": "e.g. weekday evenings, US Eastern",
    "consult.topic.level_of_care": "A question about levels of care",
    "consult.topic.relapse": "Relapse or urges",
    "consult.topic.coping": "Coping and everyday support",
    "consult.topic.family": "I'm a family member or friend",
    "consult.topic.other": "Something else",
    "consult.topic.crisis": "Reached out through the crisis safety net",
    "consult.urgency.routine": "Routine: whenever someone is free",
    "consult.urgency.soon": "Soon: today if possible",
    "consult.urgency.urgent": "I am struggling right now",
    "consult.receipt.new": "Your request #{number} is in",
    "consult.receipt.new_opening": (
        "Thank you for reaching out. A consultant from our staff will get back to you."
    ),
    "consult.receipt.existing": "You already have request #{number}",
    "consult.receipt.existing_opening": (
        "You can have one request open at a time. Here is the one you have."
    ),
    "consult.status": "Status",
    "consult.waiting": "Waiting. {ahead}",
    "consult.next": "You are next.",
    "consult.position": "You are number {position} in the queue.",
    "consult.with_you": (
        "{person} is with you{where}. Only you, them and the server's moderators can read "
        "that private thread."
    ),
    "consult.in_thread": " in {thread}",
    "consult.expected": "Expected response",
    "consult.hours": "Working hours",
    "consult.back": "Staff are off duty right now; they are back {when} ({relative}).",
    "consult.type": "Type",
    "consult.topic": "Topic",
    "consult.how_urgent": "How urgent",
    "consult.your_note": "Your note",
    "consult.no_note": "none",
    "consult.not_emergency": "Not an emergency service",
    "consult.none_yet": "No request yet",
    "consult.none_yet_text": (
        "You haven't asked to talk with a consultant. Use `/consult` whenever you'd like to."
    ),
    "consult.cancelled": "Your request #{number} was cancelled",
    "consult.closed": "Your request #{number} is closed",
    "consult.start_new": "You can start a new one with `/consult` whenever you'd like.",
    "consult.yours": "Your request #{number}",
    # the line under replies that are not about crisis (bot.crisis.reminder)
    "crisis.reminder.us": (
        "This is peer support, not an emergency service. If you are in danger now, "
        "call or text 988 (US) or your local emergency number, or use /crisis."
    ),
    "crisis.reminder": (
        "This is peer support, not an emergency service. If you are in danger now: "
        "{name}, {contact}; in an emergency, {emergency}. Or use /crisis."
    ),
    # /levels (its content is data/care/levels.toml)
    "levels.intensity": "Time",
    "levels.sleeps": "Where you sleep",
    "levels.fits": "Often suits",
    "levels.asam": "ASAM level",
    "levels.lightest_first": "From lightest to most intensive",
    "levels.which_fits": "Which one fits?",
    "levels.side_by_side": "{first} and {second}, side by side",
    "levels.compare_intro": (
        "How the two levels usually differ. Programs vary, so ask a program about its details."
    ),
    "levels.about_asam": "About ASAM",
    "levels.menu": "Read about one level…",
    "levels.compare_menu": "Compare two levels side by side…",
    "levels.all": "All levels",
    "levels.compare_two": "Compare {first} and {second}",
    # /language
    "language.saved": "Saved: I'll answer you in English from now on.",
    "language.forgotten": (
        "Forgotten: I'll answer you in the language of your Discord app again (English "
        "when it is one I don't speak)."
    ),
    "language.now": "I answer you in English. Pick another with `/language language:`.",
    # the safety net (cogs/safety)
    "safety.reply.high": (
        "You matter, and we're glad you're here. If things feel like too much right now, "
        "help is free and open any time: {lines}. `/crisis` lists more lines, including other "
        "countries. "
        "If you'd like, someone from our team can talk with you privately."
    ),
    "safety.reply.concern": (
        "Sounds like a heavy moment. You don't have to carry it alone: if you'd like, someone "
        "from our team can talk with you privately. And if it ever feels like too much, "
        "{lines}, free and open any time; `/crisis` lists more lines."
    ),
    "safety.dm.high": (
        "Hi, this is the bot from **{guild}**, writing to you privately. Something you wrote "
        "there made me want to check that you're okay. You matter, and we're glad you're "
        "here.\n\n"
        "If things feel like too much right now, help is free and open any time: {lines}. "
        "`/crisis` lists more lines, including other countries.\n\n"
        "If you'd like, someone from our team can talk with you privately: press the button "
        "below."
    ),
    "safety.dm.concern": (
        "Hi, this is the bot from **{guild}**, writing to you privately. Something you wrote "
        "there sounded heavy, so I wanted to check in. There's no need to reply.\n\n"
        "If you'd like to talk, someone from our team is here: press the button below, or use "
        "`/consult` in the server. And if it ever feels like too much, {lines}, free and open "
        "any time; `/crisis` lists more lines."
    ),
    "safety.dm_reply": (
        "Hi, I'm the group's bot, so I can't read or answer messages here. "
        "If you need someone right now, the lines below are free and open any time. "
        "To talk with a consultant from the group, press **Message us privately** to write to "
        "them here, or use `/consult` in the server."
    ),
}

ES: dict[str, str] = {
    "error.went_wrong.us": (
        "Lo siento, algo falló de nuestro lado, así que puede que lo que enviaste no se haya "
        "guardado. Inténtalo de nuevo en un momento. Si necesitas ayuda ahora mismo, llama o "
        "envía un mensaje de texto al 988 (EE. UU.) o usa /crisis."
    ),
    "error.went_wrong": (
        "Lo siento, algo falló de nuestro lado, así que puede que lo que enviaste no se haya "
        "guardado. Inténtalo de nuevo en un momento. Si necesitas ayuda ahora mismo, "
        "comunícate con {name} ({contact}) o usa /crisis."
    ),
    "footer": (
        "Apoyo entre pares e información, no consejo médico ni un servicio de emergencias "
        "· /crisis si necesitas ayuda urgente"
    ),
    "refusal.storage": (
        "Lo siento, ahora no puedo llegar a mi almacenamiento y no se cambió nada. Inténtalo de "
        "nuevo en un rato. Si necesitas ayuda ahora, las líneas de crisis de abajo están "
        "abiertas, y /crisis las muestra cuando quieras."
    ),
    "refusal.out_of_date": "Este botón ya no está vigente. Vuelve a usar el comando.",
    "refusal.try_again": "Hay mucho movimiento ahora y no se cambió nada. Inténtalo de nuevo.",
    "refusal.not_configured": (
        "Este servidor todavía no está configurado: alguien de la administración tiene que "
        "usar `/setup` primero."
    ),
    "refusal.guild_only": (
        "Usa este comando dentro del servidor de apoyo, no en un mensaje directo."
    ),
    "crisis.elsewhere": "¿En otro país?",
    "crisis.pick_another": "Elige otro país en `/crisis`. **{name}**: {contact}.",
    "crisis.footer": "Puedes volver a ver esto cuando quieras con /crisis.",
    "crisis.forgotten": "Listo: ya no guardo ningún país para ti.",
    "crisis.saved": (
        "Guardado: mis respuestas para ti mostrarán primero las líneas de {country} (en los "
        "canales, las del país del servidor). `/crisis remember: forget` lo borra."
    ),
    "crisis.pick_first": "Elige un país en `region:` para que lo recuerde.",
    "crisis.menu": "Líneas de otro país…",
    "crisis.top_emergency": " Emergencias: {contact}.",
    "crisis.top_more": "`/crisis` muestra todas las líneas.",
    "help.title": "Cómo te puede ayudar este bot",
    "help.about": (
        "Este servidor es un grupo gratuito de apoyo entre pares. Puedo explicarte los niveles "
        "de atención, compartir ideas para afrontar momentos difíciles, orientarte a ti y a tu "
        "familia hacia tratamiento y grupos de apoyo, ponerte en contacto con un consultor y "
        "mostrarte líneas de crisis en cualquier momento."
    ),
    "help.danger": "**Si estás en peligro ahora mismo, usa {crisis}.**",
    "help.start_here": "**Empieza aquí**",
    "help.more": "Los botones de abajo muestran todo lo demás que puedes usar aquí.",
    "help.dm_note": (
        "Las herramientas del equipo y de administración aparecen dentro del servidor: usa "
        "`/help` allí."
    ),
    "help.in_server": " *(en el servidor)*",
    "help.nothing": "Todavía no hay nada aquí.",
    "help.page": "{title} ({number} de {count})",
    "page.previous": "Anterior",
    "page.next": "Siguiente",
    "help.label.start": "Inicio",
    "help.label.member": "Más para miembros",
    "help.label.staff": "Herramientas del equipo",
    "help.label.admin": "Administración",
    "help.intro.member": "Todo lo demás que puedes usar aquí. Toca un comando para empezar.",
    "help.intro.staff": (
        "Para el equipo y los consultores del servidor. Toca un comando para empezar."
    ),
    "help.intro.admin": "Para quienes administran este servidor (Gestionar servidor).",
    "iop.question": "{title} ({number} de {count})",
    "iop.you_said": "Respondiste: **{answer}**. {meaning}",
    "iop.answer.y": "Sí",
    "iop.answer.n": "No",
    "iop.answer.u": "No lo sé",
    "iop.talk_it_through": "Hablarlo",
    "iop.in_short": "En pocas palabras",
    "iop.more_approaches": "Más enfoques",
    "iop.pick_another": "Elige otro en el menú, o mira `/levels`.",
    "iop.topics_menu": "Más sobre los IOP…",
    "iop.approach_menu": "Lee sobre un enfoque…",
    "iop.fit_option": "Una reflexión privada, una pregunta a la vez",
    "iop.talk": "Hablar con un consultor",
    "iop.start_over": "Empezar de nuevo",
    "care.crisis_line": "Si necesitas a alguien ahora",
    "button.consult": "Hablar con un consultor",
    "button.consult_now": "Hablar con un consultor ahora",
    "button.safety_plan": "Mi plan de seguridad",
    "consult.form.title": "Hablar con un consultor",
    "consult.form.topic": "¿De qué te gustaría hablar?",
    "consult.form.urgency": "¿Qué tan pronto necesitas hablar?",
    "consult.form.urgency_hint": "Si estás en peligro ahora mismo, usa también /crisis.",
    "consult.form.note": "Una nota corta (opcional)",
    "consult.form.note_hint": "Hasta {limit} caracteres. Solo el equipo la leerá.",
    "consult.form.note_placeholder": "Lo que quieras que sepan primero (puedes dejarlo vacío)",
    "consult.form.time": "Un buen momento para ti (opcional)",
    "consult.form.time_placeholder": "p. ej., entre semana por la tarde, hora del Este (EE. UU.)",
    "consult.topic.level_of_care": "Una pregunta sobre los niveles de atención",
    "consult.topic.relapse": "Recaídas o ganas de consumir",
    "consult.topic.coping": "Cómo sobrellevar el día a día",
    "consult.topic.family": "Soy familiar o amigo/a de alguien",
    "consult.topic.other": "Otra cosa",
    "consult.topic.crisis": "Llegó a través de la red de seguridad de crisis",
    "consult.urgency.routine": "Sin prisa: cuando alguien esté libre",
    "consult.urgency.soon": "Pronto: hoy si es posible",
    "consult.urgency.urgent": "Lo estoy pasando muy mal ahora mismo",
    "consult.receipt.new": "Recibimos tu solicitud #{number}",
    "consult.receipt.new_opening": (
        "Gracias por escribirnos. Un consultor de nuestro equipo se pondrá en contacto contigo."
    ),
    "consult.receipt.existing": "Ya tienes la solicitud #{number}",
    "consult.receipt.existing_opening": (
        "Puedes tener una sola solicitud abierta a la vez. Esta es la tuya."
    ),
    "consult.status": "Estado",
    "consult.waiting": "En espera. {ahead}",
    "consult.next": "Eres la próxima persona.",
    "consult.position": "Tienes el lugar {position} en la fila.",
    "consult.with_you": (
        "{person} te está atendiendo{where}. Solo tú, esa persona y los moderadores del "
        "servidor pueden leer ese hilo privado."
    ),
    "consult.in_thread": " en {thread}",
    "consult.expected": "Respuesta esperada",
    "consult.hours": "Horario de atención",
    "consult.back": "El equipo no está de turno ahora; vuelve {when} ({relative}).",
    "consult.type": "Tipo",
    "consult.topic": "Tema",
    "consult.how_urgent": "Urgencia",
    "consult.your_note": "Tu nota",
    "consult.no_note": "ninguna",
    "consult.not_emergency": "No es un servicio de emergencias",
    "consult.none_yet": "Todavía no hay solicitud",
    "consult.none_yet_text": (
        "No has pedido hablar con un consultor. Usa `/consult` cuando quieras."
    ),
    "consult.cancelled": "Tu solicitud #{number} se canceló",
    "consult.closed": "Tu solicitud #{number} está cerrada",
    "consult.start_new": "Puedes empezar una nueva con `/consult` cuando quieras.",
    "consult.yours": "Tu solicitud #{number}",
    "crisis.reminder.us": (
        "Esto es apoyo entre pares, no un servicio de emergencias. Si estás en peligro ahora, "
        "llama o envía un mensaje de texto al 988 (EE. UU.) o a tu número local de "
        "emergencias, o usa /crisis."
    ),
    "crisis.reminder": (
        "Esto es apoyo entre pares, no un servicio de emergencias. Si estás en peligro ahora: "
        "{name}, {contact}; en una emergencia, {emergency}. O usa /crisis."
    ),
    "levels.intensity": "Tiempo",
    "levels.sleeps": "Dónde duermes",
    "levels.fits": "Suele servir a",
    "levels.asam": "Nivel ASAM",
    "levels.lightest_first": "Del más ligero al más intensivo",
    "levels.which_fits": "¿Cuál encaja?",
    "levels.side_by_side": "{first} y {second}, lado a lado",
    "levels.compare_intro": (
        "En qué suelen diferir los dos niveles. Cada programa es distinto, así que pregúntale "
        "a un programa por sus detalles."
    ),
    "levels.about_asam": "Sobre ASAM",
    "levels.menu": "Lee sobre un nivel…",
    "levels.compare_menu": "Compara dos niveles lado a lado…",
    "levels.all": "Todos los niveles",
    "levels.compare_two": "Comparar {first} y {second}",
    "language.saved": "Guardado: a partir de ahora te respondo en español.",
    "language.forgotten": (
        "Listo: volveré a responderte en el idioma de tu app de Discord (en inglés si es un "
        "idioma que no hablo)."
    ),
    "language.now": "Te respondo en español. Elige otro con `/language language:`.",
    "safety.reply.high": (
        "Tú importas, y nos alegra que estés aquí. Si ahora mismo todo te resulta demasiado, "
        "hay ayuda gratuita y abierta a cualquier hora: {lines}. `/crisis` muestra más líneas, "
        "también de otros países. "
        "Si quieres, alguien de nuestro equipo puede hablar contigo en privado."
    ),
    "safety.reply.concern": (
        "Parece un momento pesado. No tienes que cargarlo a solas: si quieres, alguien de "
        "nuestro equipo puede hablar contigo en privado. Y si en algún momento te resulta "
        "demasiado, {lines}, gratis y a cualquier hora; `/crisis` muestra más líneas."
    ),
    "safety.dm.high": (
        "Hola, soy el bot de **{guild}** y te escribo en privado. Algo que escribiste allí me "
        "hizo querer saber si estás bien. Tú importas, y nos alegra que estés aquí.\n\n"
        "Si ahora mismo todo te resulta demasiado, hay ayuda gratuita y abierta a cualquier "
        "hora: {lines}. `/crisis` muestra más líneas, también de otros países.\n\n"
        "Si quieres, alguien de nuestro equipo puede hablar contigo en privado: toca el botón "
        "de abajo."
    ),
    "safety.dm.concern": (
        "Hola, soy el bot de **{guild}** y te escribo en privado. Algo que escribiste allí "
        "sonaba pesado, así que quise saber cómo estás. No hace falta que respondas.\n\n"
        "Si quieres hablar, alguien de nuestro equipo está aquí: toca el botón de abajo o usa "
        "`/consult` en el servidor. Y si en algún momento te resulta demasiado, {lines}, gratis "
        "y a cualquier hora; `/crisis` muestra más líneas."
    ),
    "safety.dm_reply": (
        "Hola, soy el bot del grupo, así que no puedo leer ni responder mensajes aquí. "
        "Si necesitas a alguien ahora mismo, las líneas de abajo son gratuitas y están "
        "abiertas a cualquier hora. Para hablar con un consultor del grupo, pulsa **Message us "
        "privately** para escribirle aquí, o usa `/consult` en el servidor."
    ),
}

CATALOGUE: dict[str, dict[str, str]] = {ENGLISH: EN, "es": ES}
"""Every language's sentences, by key."""


def refusal(language: str, english: str) -> str:
    """A refusal raised in English (``bot.errors``, ``bot.db``), in ``language`` when it is one
    of the common ones (``refusal.*``); any other stays as its raiser wrote it."""
    for key, text in EN.items():
        if key.startswith("refusal.") and text == english:
            return say(language, key)
    return english


def say(language: str, key: str, /, **values: object) -> str:
    """The sentence ``key`` in ``language`` (English when that language lacks it), filled in."""
    text = CATALOGUE.get(language, EN).get(key) or EN[key]
    return text.format(**values) if values else text
